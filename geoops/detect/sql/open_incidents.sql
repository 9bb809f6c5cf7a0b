-- Open incidents with pre-allocated ids, each from its seed, the earliest item of its
-- component (given as its time and the middle of its shape):
-- its time, its place, and a registration number per region and year, REGION-YYYY-NNNNNN
-- (REGION the code of the :region_level jurisdiction holding the seed; without one,
-- YYYY-NNNNNN). incident_counters hands out the numbers without gaps or reuse.
WITH seeds AS (
    SELECT s.id, to_timestamp(s.t) AS observed_at, ST_SetSRID(ST_MakePoint(s.lon, s.lat), 4326) AS spot,
           CAST(extract(year FROM to_timestamp(s.t) AT TIME ZONE 'UTC') AS int) AS year
    FROM unnest(CAST(:ids AS bigint[]), CAST(:t AS float8[]), CAST(:lon AS float8[]),
                CAST(:lat AS float8[])) AS s(id, t, lon, lat)
), placed AS (
    -- the region found through its parts (migration 0010: cut to <= 128 vertices), not
    -- through a whole boundary of thousands: the same answer, a small polygon per test
    SELECT s.*, coalesce((
        SELECT coalesce(nullif(j.code, ''), j.name)
        FROM jurisdiction_parts AS p
        JOIN jurisdictions AS j ON j.id = p.jurisdiction_id
        WHERE j.level = :region_level AND p.geom && s.spot AND ST_Intersects(p.geom, s.spot)
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
