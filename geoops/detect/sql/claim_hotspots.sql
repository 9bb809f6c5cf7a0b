-- The hotspots this pass takes on, oldest first: those above the watermark up to :top, the
-- highest id no running insert can still precede (migration 0018). Each row's time, its
-- point and its footprint's box, which is all linking needs (footprints are lon/lat
-- envelopes), what the refresh sums up (ingest time, FRP, confidence), its FIRMS type and
-- whether it has a static reason already. Only read here: sql/mark_seen.sql moves the
-- watermark, sent while the pass links them; passes take turns under their advisory lock.
-- One row back: each column packed into one bytea of big-endian 8-byte values (NULL as
-- NaN), which numpy reads as it is (detect/claims.py); thousands of rows of a dozen Python
-- objects each took longer to convert than the query to run. The aggregates of one SELECT
-- read the same rows in the same order, so the columns stay aligned.
WITH claimed AS MATERIALIZED (
    SELECT h.id,
           coalesce(h.fire_type::float8, 'NaN') AS fire_type,
           (h.static_reason IS NOT NULL)::int::float8 AS reasoned,
           extract(epoch FROM h.observed_at)::float8 AS epoch,
           extract(epoch FROM h.ingested_at)::float8 AS ingested,
           coalesce(h.frp, 'NaN')::float8 AS frp,
           coalesce(h.confidence::float8, 'NaN') AS confidence,
           ST_X(h.geom) AS lon, ST_Y(h.geom) AS lat,
           ST_XMin(h.footprint) AS x0, ST_YMin(h.footprint) AS y0,
           ST_XMax(h.footprint) AS x1, ST_YMax(h.footprint) AS y1
    FROM hotspots AS h
    WHERE h.id > (SELECT s.hotspot_watermark FROM detection_state AS s) AND h.id <= :top
    ORDER BY h.id
    LIMIT :limit
)
SELECT string_agg(int8send(id), '') AS id,
       string_agg(float8send(fire_type), '') AS fire_type,
       string_agg(float8send(reasoned), '') AS reasoned,
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
