-- The pieces a pass adds to what new evidence measures to, cut in memory
-- (detect/linking_pieces.py): each re-cut incident's earlier 'p' and 'n' pieces give way to
-- its new whole cut ('p'); the other incidents' new footprints join theirs as 'n' pieces.
-- Their ids are :first onwards in the order given (a block the pass reserved under its
-- lock: only passes add shapes), which the process's shape cache keeps with the pieces it
-- cut (detect/shape_cache.py) instead of reading them back.
WITH dropped AS (
    DELETE FROM incident_shapes AS s
    WHERE s.incident_id = ANY(CAST(:recut AS bigint[])) AND s.kind IN ('p', 'n')
)
INSERT INTO incident_shapes (id, incident_id, kind, geom)
SELECT :first + p.n - 1, p.incident_id, p.kind, ST_GeomFromWKB(p.shape, 4326)
FROM unnest(CAST(:piece_incidents AS bigint[]), CAST(:piece_kinds AS text[]), CAST(:piece_shapes AS bytea[]))
     WITH ORDINALITY AS p(incident_id, kind, shape, n)
