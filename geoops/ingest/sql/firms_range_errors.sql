-- Typed FIRMS rows that fail a range check, with the reason (firms_ranges.sql goes in).
SELECT c.line, c.reason
FROM (SELECT t.line, /*ranges*/ AS reason FROM firms_typed AS t) AS c
WHERE c.reason IS NOT NULL
ORDER BY c.line
