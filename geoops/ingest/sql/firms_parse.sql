-- The careful path, for a file that a typed COPY could not take: split each staged line
-- into its trimmed fields (the caller fills them in by the header's positions; '' for a column the file
-- lacks) and name the first fault that would stop a cast (NULL when there is none).
-- CASE evaluates its branches in order, so a cast only sees text an earlier branch has
-- checked: one bad cell rejects its row, never the file. Range checks come after, on
-- the typed rows (firms_ranges.sql), for both paths.
CREATE TEMP TABLE firms_rows ON COMMIT DROP AS
SELECT x.*, CASE
    WHEN x.fields <> :width THEN format('expected %s fields, found %s', :width, x.fields)
    WHEN x.latitude !~ :number THEN 'latitude is not a number'
    WHEN x.longitude !~ :number THEN 'longitude is not a number'
    WHEN x.acq_date !~ '^[1-9]\d{3}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$'
        THEN 'acq_date is not a YYYY-MM-DD date'
    WHEN right(x.acq_date, 2)::int > extract(day FROM make_date(left(x.acq_date, 4)::int,
            substr(x.acq_date, 6, 2)::int, 1) + interval '1 month - 1 day')
        THEN 'acq_date is not a YYYY-MM-DD date'
    WHEN replace(x.acq_time, ':', '') !~ '^\d{1,4}$' THEN 'acq_time is not an HHMM time'
    WHEN x.frp <> '' AND x.frp !~ :number THEN 'frp is not a number'
    WHEN x.brightness <> '' AND x.brightness !~ :number THEN 'brightness is not a number'
    WHEN x.brightness_2 <> '' AND x.brightness_2 !~ :number THEN 'brightness_2 is not a number'
    WHEN x.scan <> '' AND x.scan !~ :number THEN 'scan is not a number'
    WHEN x.track <> '' AND x.track !~ :number THEN 'track is not a number'
    WHEN x.type <> '' AND x.type !~ '^\d{1,4}$' THEN 'type is not one of 0, 1, 2, 3'
END AS reason
FROM (
    SELECT s.line, cardinality(s.a) AS fields, /*fields*/
    FROM (
        SELECT l.line + 1 AS line, string_to_array(l.raw, :delimiter) AS a
        FROM firms_lines AS l
        WHERE l.raw <> ''
        OFFSET 0  -- split each line once, not once per field
    ) AS s
    OFFSET 0
) AS x
