-- Each pass lays the pieces it adds to a perimeter next to the earlier ones ('p' shapes),
-- so a fire's pieces pile up and overlap. When an incident of this pass has more than
-- twice the pieces a fresh cut of its whole perimeter would give (plus a few), they are
-- replaced by that cut: new hotspots then probe few, tight boxes, and the cost of re-cutting
-- a large perimeter is paid once every several passes, not every pass.
WITH counted AS (
    SELECT s.incident_id, count(*) AS pieces
    FROM incident_shapes AS s
    WHERE s.incident_id = ANY(:ids) AND s.kind = 'p'
    GROUP BY s.incident_id
), crowded AS (
    SELECT i.id
    FROM counted AS c
    JOIN incidents AS i ON i.id = c.incident_id
    WHERE ST_Dimension(i.geom) = 2
      AND c.pieces > 2 * ceil(ST_NPoints(i.geom)::float8 / :part_vertices) + :spare_pieces
), dropped AS (
    DELETE FROM incident_shapes AS s
    USING crowded AS c
    WHERE s.incident_id = c.id AND s.kind = 'p'
)
INSERT INTO incident_shapes (incident_id, kind, geom)
SELECT i.id, 'p', ST_Subdivide(i.geom, :part_vertices)
FROM incidents AS i
JOIN crowded AS c ON c.id = i.id
