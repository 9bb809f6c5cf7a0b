-- Each pass lays the footprints it adds to a perimeter ('n') next to the earlier pieces, so a
-- fire's pieces pile up and overlap. When an incident of this pass has piled up more new
-- pieces than :pile_factor times its last whole cut ('p') has, plus :spare_pieces, all of
-- them are replaced by a fresh cut of its whole perimeter: new hotspots then probe few,
-- tight boxes, and the cost of re-cutting a large perimeter is paid once its new pieces
-- outnumber the cut, so a pass still costs about what it adds. At most :most_recut incidents
-- are re-cut in one pass, the most crowded first (the others wait for the next pass), so a
-- pass touching hundreds of fires does not pay for all of their re-cuts at once. Returns
-- the incidents re-cut (once per new piece).
WITH counted AS (
    SELECT s.incident_id,
           count(*) FILTER (WHERE s.kind = 'n') AS added,
           count(*) FILTER (WHERE s.kind = 'p') AS cut
    FROM incident_shapes AS s
    WHERE s.incident_id = ANY(:ids) AND s.kind IN ('p', 'n')
    GROUP BY s.incident_id
), crowded AS (
    SELECT i.id
    FROM counted AS c
    JOIN incidents AS i ON i.id = c.incident_id
    WHERE c.added > :pile_factor * c.cut + :spare_pieces AND ST_Dimension(i.geom) = 2
    ORDER BY c.added - :pile_factor * c.cut DESC, i.id
    LIMIT :most_recut
), dropped AS (
    DELETE FROM incident_shapes AS s
    USING crowded AS c
    WHERE s.incident_id = c.id AND s.kind IN ('p', 'n')
)
INSERT INTO incident_shapes (incident_id, kind, geom)
SELECT i.id, 'p', ST_Subdivide(i.geom, :part_vertices)
FROM incidents AS i
JOIN crowded AS c ON c.id = i.id
RETURNING incident_id
