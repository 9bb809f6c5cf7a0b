-- The pieces a pass adds to what new evidence measures to, cut in memory
-- (detect/linking_pieces.py): each re-cut incident's earlier 'p' and 'n' pieces give way to
-- its new whole cut ('p'); the other incidents' new footprints join theirs as 'n' pieces.
-- Returns their ids in the order given, which the process's shape cache keeps with the
-- pieces it cut (detect/shape_cache.py) instead of reading them back.
WITH dropped AS (
    DELETE FROM incident_shapes AS s
    WHERE s.incident_id = ANY(CAST(:recut AS bigint[])) AND s.kind IN ('p', 'n')
), numbered AS MATERIALIZED (
    SELECT nextval(pg_get_serial_sequence('incident_shapes', 'id')) AS id, p.n, p.incident_id, p.kind, p.shape
    FROM unnest(CAST(:piece_incidents AS bigint[]), CAST(:piece_kinds AS text[]), CAST(:piece_shapes AS bytea[]))
         WITH ORDINALITY AS p(incident_id, kind, shape, n)
), stored AS (
    INSERT INTO incident_shapes (id, incident_id, kind, geom)
    SELECT p.id, p.incident_id, p.kind, ST_GeomFromWKB(p.shape, 4326)
    FROM numbered AS p
)
SELECT coalesce(array_agg(p.id ORDER BY p.n), '{}') AS ids FROM numbered AS p
