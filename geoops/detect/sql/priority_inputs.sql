-- What incident priority is computed from, for a list of incidents, in one statement.
-- Settlements: the shape and centre of each incident, which detect/settlement_index.py
-- measures the nearest settlements from (in memory, from the shape's convex hull: the
-- same distance for anything outside it, and cheap to measure however ragged a big
-- perimeter is). Protected objects (only when such a layer exists): the nearest feature of
-- any protected layer within a search box of :protected_search_m around the hull, by KNN,
-- then the geodesic distance from the hull (0 inside).
-- A layer that does not exist says so in *_available; the scoring itself is Python's.
-- The CTEs are MATERIALIZED so the hull and its geography are computed once per incident,
-- not once per candidate feature.
WITH target AS MATERIALIZED (
    SELECT i.id,
           coalesce(i.geom, i.centroid) AS shape,
           coalesce(i.centroid, ST_PointOnSurface(i.geom)) AS at,
           i.max_frp,
           i.growth_ha,
           i.area_ha
    FROM unnest(CAST(:ids AS bigint[])) AS u(id)
    JOIN incidents AS i ON i.id = u.id  -- primary-key look-ups: a scan read every dead version too
), settlement_layer AS MATERIALIZED (
    SELECT l.id FROM layers AS l WHERE l.name = :settlements_layer
), protected_layer AS MATERIALIZED (
    SELECT l.id, l.name FROM layers AS l WHERE l.name = ANY(CAST(:protected_layers AS text[]))
), hulls AS MATERIALIZED (
    SELECT t.id, t.at, ST_ConvexHull(t.shape) AS shape
    FROM target AS t
    WHERE t.at IS NOT NULL AND EXISTS (SELECT 1 FROM protected_layer)
), located AS MATERIALIZED (
    SELECT h.*,
           h.shape::geography AS shape_g,
           -- the protected search box: :protected_search_m around the hull, in degrees
           ST_Expand(h.shape,
                     :protected_search_m / (111320.0 * greatest(cos(radians(ST_Y(h.at))), 0.02)),
                     :protected_search_m / 110574.0) AS search_box
    FROM hulls AS h
)
SELECT t.id,
       ST_X(t.at) AS lon,
       ST_Y(t.at) AS lat,
       t.max_frp,
       t.growth_ha,
       t.area_ha,
       EXISTS (SELECT 1 FROM settlement_layer) AS settlements_available,
       EXISTS (SELECT 1 FROM protected_layer) AS protected_available,
       ST_AsBinary(t.shape) AS shape,
       (SELECT id FROM settlement_layer) AS settlement_layer_id,
       p.layer AS protected_layer,
       p.name AS protected_name,
       p.distance_m AS protected_distance_m
FROM target AS t
LEFT JOIN located AS g ON g.id = t.id
LEFT JOIN LATERAL (
    SELECT c.layer, c.name, c.distance_m
    FROM (
        SELECT (SELECT l.name FROM protected_layer AS l WHERE l.id = n.layer_id) AS layer,
               n.properties ->> 'name' AS name,
               ST_Distance(g.shape_g, n.geom::geography) AS distance_m
        FROM (
            -- the nearest of each layer (layer_id = one value is an index condition of the
            -- (layer_id, geom) index), then the nearest of them all: the same candidates
            SELECT k.*
            FROM protected_layer AS pl
            CROSS JOIN LATERAL (
                SELECT f.layer_id, f.properties, f.geom, f.geom <-> g.shape AS planar
                FROM layer_features AS f
                WHERE f.layer_id = pl.id
                  -- the search box keeps a small layer from walking the whole index
                  AND f.geom && g.search_box
                ORDER BY f.geom <-> g.shape
                LIMIT :protected_candidates
            ) AS k
            ORDER BY k.planar
            LIMIT :protected_candidates
        ) AS n
    ) AS c
    ORDER BY c.distance_m
    LIMIT 1
) AS p ON g.id IS NOT NULL AND EXISTS (SELECT 1 FROM protected_layer)
ORDER BY t.id
