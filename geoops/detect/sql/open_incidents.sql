-- Open incidents with pre-allocated ids; each takes its seed hotspot's time and year.
-- Numbers read YYYY-NNNNNN (year of first observation, then the id).
INSERT INTO incidents (id, number, status, first_observed_at, last_observed_at)
SELECT n.id,
       to_char(h.observed_at AT TIME ZONE 'UTC', 'YYYY') || '-' || lpad(n.id::text, 6, '0'),
       'suspected', h.observed_at, h.observed_at
FROM unnest(CAST(:ids AS bigint[]), CAST(:seeds AS bigint[])) AS n(id, seed)
JOIN hotspots AS h ON h.id = n.seed
