-- The pieces a pass adds to what new evidence measures to, cut in memory
-- (detect/linking_pieces.py): each re-cut incident's earlier 'p' and 'n' pieces give way to
-- its new whole cut ('p'); the other incidents' new footprints join theirs as 'n' pieces.
WITH dropped AS (
    DELETE FROM incident_shapes AS s
    WHERE s.incident_id = ANY(CAST(:recut AS bigint[])) AND s.kind IN ('p', 'n')
)
INSERT INTO incident_shapes (incident_id, kind, geom)
SELECT p.incident_id, p.kind, ST_GeomFromWKB(p.shape, 4326)
FROM unnest(CAST(:piece_incidents AS bigint[]), CAST(:piece_kinds AS text[]), CAST(:piece_shapes AS bytea[]))
     AS p(incident_id, kind, shape)
