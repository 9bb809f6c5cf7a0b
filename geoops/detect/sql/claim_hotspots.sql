-- Claim the undetected hotspots of this pass, mark them seen and say which are not fires,
-- in one set-based statement: a FIRMS static type (1 volcano, 2 other static land source,
-- 3 offshore), a registered heat source (a feature of the heat-source layer within its
-- `radius_m`, or the default radius; at most 5 km), or water (inside a feature of a water
-- layer). Such hotspots are kept, marked with the reason, and never open or join an incident.
-- Layers come as ids (:heat_layer_id, -1 when there is none, and :water_layer_ids): the
-- single heat layer id lets the (layer_id, geom) GiST find only heat sources, and the cheap
-- layer test runs before the geometric one on every water part the index finds. Each row returns its time and
-- its footprint's box, which is all linking needs (footprints are lon/lat envelopes).
WITH new AS (
    SELECT h.id, h.geom, h.fire_type
    FROM hotspots AS h
    WHERE h.detected_at IS NULL
    ORDER BY h.id
    LIMIT :limit
    FOR UPDATE
), marked AS MATERIALIZED (
    SELECT n.id, CASE
        WHEN coalesce(n.fire_type, 0) IN (1, 2, 3) THEN 'firms_type_' || n.fire_type
        WHEN EXISTS (
            SELECT 1 FROM layer_features AS f
            WHERE f.layer_id = :heat_layer_id
              AND f.geom && ST_Expand(n.geom, 0.1)
              AND ST_DWithin(f.geom::geography, n.geom::geography, least(5000.0, CASE
                  WHEN f.properties ->> 'radius_m' ~ '^\d{1,5}(\.\d+)?$'
                  THEN (f.properties ->> 'radius_m')::float8 ELSE :heat_radius_m END))
        ) THEN 'heat_source'
        WHEN EXISTS (  -- against the subdivided parts: big lakes stay cheap to test
            SELECT 1 FROM layer_feature_parts AS f
            WHERE f.layer_id = ANY(:water_layer_ids) AND f.geom && n.geom AND ST_Intersects(f.geom, n.geom)
        ) THEN 'water'
    END AS reason
    FROM new AS n
)
UPDATE hotspots AS h
SET detected_at = now(), static_reason = coalesce(m.reason, h.static_reason)
FROM marked AS m
WHERE h.id = m.id
  AND h.id = ANY(ARRAY(SELECT m.id FROM marked AS m))  -- primary-key look-ups, not a scan of the table
RETURNING h.id, m.reason IS NOT NULL AS static, extract(epoch FROM h.observed_at) AS epoch,
          ST_XMin(h.footprint) AS x0, ST_YMin(h.footprint) AS y0,
          ST_XMax(h.footprint) AS x1, ST_YMax(h.footprint) AS y1
