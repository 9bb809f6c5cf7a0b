-- Claim the undetected hotspots of this pass and mark them seen, in one set-based
-- statement; a FIRMS static type (1 volcano, 2 other static land source, 3 offshore) is
-- marked as the reason it is not a fire. Heat sources and water are tested in memory
-- afterwards (detect/static_areas.py). Each row returns its time, its point and its
-- footprint's box, which is all linking needs (footprints are lon/lat envelopes).
-- No FOR UPDATE: passes take turns under their advisory lock, so no other pass claims
-- these rows, and the UPDATE locks them itself (a separate lock wrote each row twice).
WITH new AS (
    SELECT h.id
    FROM hotspots AS h
    WHERE h.detected_at IS NULL
    ORDER BY h.id
    LIMIT :limit
)
UPDATE hotspots AS h
SET detected_at = now(),
    static_reason = CASE WHEN coalesce(h.fire_type, 0) IN (1, 2, 3) THEN 'firms_type_' || h.fire_type
                         ELSE h.static_reason END
WHERE h.id = ANY(ARRAY(SELECT n.id FROM new AS n))  -- primary-key look-ups, not a scan of the table
RETURNING h.id, h.static_reason IS NOT NULL AS static, extract(epoch FROM h.observed_at)::float8 AS epoch,
          ST_X(h.geom) AS lon, ST_Y(h.geom) AS lat,
          ST_XMin(h.footprint) AS x0, ST_YMin(h.footprint) AS y0,
          ST_XMax(h.footprint) AS x1, ST_YMax(h.footprint) AS y1
