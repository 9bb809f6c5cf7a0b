-- Open incidents with pre-allocated ids (given with every item of their component), each
-- from its seed, the earliest of those items:
-- its time, its place, and a registration number per region and year, REGION-YYYY-NNNNNN
-- (REGION the code of the :region_level jurisdiction holding the seed; without one,
-- YYYY-NNNNNN). incident_counters hands out the numbers without gaps or reuse.
WITH seeds AS (
    SELECT DISTINCT ON (n.id) n.id, b.observed_at, ST_PointOnSurface(b.shape) AS spot,
           CAST(extract(year FROM b.observed_at AT TIME ZONE 'UTC') AS int) AS year
    FROM unnest(CAST(:ids AS bigint[]), CAST(:kinds AS text[]), CAST(:items AS bigint[])) AS n(id, kind, item)
    JOIN detect_batch AS b ON b.kind = n.kind AND b.id = n.item
    ORDER BY n.id, b.observed_at, b.kind, b.id
), placed AS (
    SELECT s.*, coalesce((
        SELECT coalesce(nullif(j.code, ''), j.name) FROM jurisdictions AS j
        WHERE j.level = :region_level AND j.geom && s.spot AND ST_Intersects(j.geom, s.spot)
        ORDER BY j.id LIMIT 1
    ), '') AS region
    FROM seeds AS s
), ranked AS (
    SELECT p.*, row_number() OVER w AS k, count(*) OVER (PARTITION BY p.region, p.year) AS n
    FROM placed AS p
    WINDOW w AS (PARTITION BY p.region, p.year ORDER BY p.id)
), counted AS (
    INSERT INTO incident_counters AS c (region_code, year, last_number)
    SELECT region, year, count(*) FROM placed GROUP BY region, year
    ON CONFLICT ON CONSTRAINT incident_counters_key
    DO UPDATE SET last_number = c.last_number + excluded.last_number
    RETURNING c.region_code, c.year, c.last_number
)
INSERT INTO incidents (id, number, region_code, status, first_observed_at, last_observed_at)
SELECT r.id,
       CASE WHEN r.region <> '' THEN r.region || '-' ELSE '' END
           || r.year || '-' || lpad((c.last_number - r.n + r.k)::text, 6, '0'),
       nullif(r.region, ''), 'suspected', r.observed_at, r.observed_at
FROM ranked AS r
JOIN counted AS c ON c.region_code = r.region AND c.year = r.year
