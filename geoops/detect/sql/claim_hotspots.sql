-- The undetected hotspots this pass takes on, oldest first: each row's time, its point and
-- its footprint's box, which is all linking needs (footprints are lon/lat envelopes), what
-- the refresh sums up (ingest time, FRP, confidence), and whether it is static already (a FIRMS type 1 volcano, 2 other static land source or 3
-- offshore, or a reason given before). Only read here: sql/mark_seen.sql marks them seen,
-- sent while the pass links them. No FOR UPDATE: passes take turns under their advisory
-- lock, so no other pass claims these rows, and the marking UPDATE locks them itself.
SELECT h.id, (coalesce(h.fire_type, 0) IN (1, 2, 3) OR h.static_reason IS NOT NULL) AS static,
       extract(epoch FROM h.observed_at)::float8 AS epoch, extract(epoch FROM h.ingested_at)::float8 AS ingested,
       h.frp, h.confidence::float8 AS confidence,
       ST_X(h.geom) AS lon, ST_Y(h.geom) AS lat,
       ST_XMin(h.footprint) AS x0, ST_YMin(h.footprint) AS y0,
       ST_XMax(h.footprint) AS x1, ST_YMax(h.footprint) AS y1
FROM hotspots AS h
WHERE h.detected_at IS NULL
ORDER BY h.id
LIMIT :limit
