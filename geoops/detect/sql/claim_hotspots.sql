-- The undetected hotspots this pass takes on, oldest first: each row's time, its point and
-- its footprint's box, which is all linking needs (footprints are lon/lat envelopes), what
-- the refresh sums up (ingest time, FRP, confidence), and whether it is static already (a
-- FIRMS type 1 volcano, 2 other static land source or 3 offshore, or a reason given
-- before). Only read here: sql/mark_seen.sql marks them seen, sent while the pass links
-- them. No FOR UPDATE: passes take turns under their advisory lock, so no other pass
-- claims these rows, and the marking UPDATE locks them itself.
-- One row back: each column packed into one bytea of big-endian 8-byte values (NULL as
-- NaN), which numpy reads as it is (detect/claims.py); thousands of rows of a dozen Python
-- objects each took longer to convert than the query to run. The aggregates of one SELECT
-- read the same rows in the same order, so the columns stay aligned.
WITH claimed AS MATERIALIZED (
    SELECT h.id,
           (coalesce(h.fire_type, 0) IN (1, 2, 3) OR h.static_reason IS NOT NULL)::int::float8 AS static,
           extract(epoch FROM h.observed_at)::float8 AS epoch,
           extract(epoch FROM h.ingested_at)::float8 AS ingested,
           coalesce(h.frp, 'NaN')::float8 AS frp,
           coalesce(h.confidence::float8, 'NaN') AS confidence,
           ST_X(h.geom) AS lon, ST_Y(h.geom) AS lat,
           ST_XMin(h.footprint) AS x0, ST_YMin(h.footprint) AS y0,
           ST_XMax(h.footprint) AS x1, ST_YMax(h.footprint) AS y1
    FROM hotspots AS h
    WHERE h.detected_at IS NULL
    ORDER BY h.id
    LIMIT :limit
)
SELECT string_agg(int8send(id), '') AS id,
       string_agg(float8send(static), '') AS static,
       string_agg(float8send(epoch), '') AS epoch,
       string_agg(float8send(ingested), '') AS ingested,
       string_agg(float8send(frp), '') AS frp,
       string_agg(float8send(confidence), '') AS confidence,
       string_agg(float8send(lon), '') AS lon,
       string_agg(float8send(lat), '') AS lat,
       string_agg(float8send(x0), '') AS x0,
       string_agg(float8send(y0), '') AS y0,
       string_agg(float8send(x1), '') AS x1,
       string_agg(float8send(y1), '') AS y1
FROM claimed
