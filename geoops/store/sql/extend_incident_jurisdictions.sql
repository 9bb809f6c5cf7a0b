-- Incidents only grow between passes, so their links to jurisdictions only grow too: link
-- each incident to the jurisdictions met by the evidence attached to it in this
-- transaction, and give each survivor of a merge the links of the incidents it absorbed,
-- which lose theirs (three statements).
-- The new shapes are tested against jurisdiction_parts (the boundaries cut into pieces of
-- at most 128 vertices, migration 0010), and only for jurisdictions the incident is not
-- linked to yet: the box of an incident's new shapes (the box arrays) finds the parts it may
-- meet, a part of a linked jurisdiction needs no test, and the others are tested shape by
-- shape, read from the evidence attached in this transaction.
WITH fresh AS MATERIALIZED (
    -- the box of what each incident received in this pass, summed by the pass in memory
    SELECT b.incident_id, ST_MakeEnvelope(b.x0, b.y0, b.x1, b.y1, 4326) AS box
    FROM unnest(CAST(:box_incidents AS bigint[]), CAST(:x0 AS float8[]), CAST(:y0 AS float8[]),
                CAST(:x1 AS float8[]), CAST(:y1 AS float8[])) AS b(incident_id, x0, y0, x1, y1)
), linked AS MATERIALIZED (
    -- the links these incidents have, read by the primary key's leading column: the
    -- planner, its statistics behind a table that grows by the pass, otherwise probed the
    -- links of each jurisdiction (thousands) for every part
    SELECT ij.incident_id, ij.jurisdiction_id
    FROM incident_jurisdictions AS ij
    WHERE ij.incident_id = ANY(CAST(:ids AS bigint[]))
), unlinked AS MATERIALIZED (
    SELECT f.incident_id, p.jurisdiction_id, p.geom
    FROM fresh AS f
    JOIN jurisdiction_parts AS p ON p.geom && f.box
    WHERE NOT EXISTS (
        SELECT 1 FROM linked AS l
        WHERE l.incident_id = f.incident_id AND l.jurisdiction_id = p.jurisdiction_id)
), shapes AS MATERIALIZED (
    -- the shapes of the evidence attached in this transaction, read only for the few
    -- incidents that may meet a jurisdiction they are not linked to yet
    SELECT e.incident_id, coalesce(h.footprint, r.geom, a.geom) AS shape
    FROM incident_evidence AS e
    LEFT JOIN hotspots AS h ON h.id = e.hotspot_id
    LEFT JOIN reports AS r ON r.id = e.report_id
    LEFT JOIN sensor_alarms AS a ON a.id = e.alarm_id
    WHERE e.incident_id = ANY(ARRAY(SELECT DISTINCT u.incident_id FROM unlinked AS u)) AND e.added_at = now()
)
INSERT INTO incident_jurisdictions (incident_id, jurisdiction_id)
SELECT DISTINCT u.incident_id, u.jurisdiction_id
FROM unlinked AS u
WHERE EXISTS (
    SELECT 1 FROM shapes AS s
    WHERE s.incident_id = u.incident_id AND s.shape && u.geom AND ST_Intersects(u.geom, s.shape))
ON CONFLICT DO NOTHING;
INSERT INTO incident_jurisdictions (incident_id, jurisdiction_id)
SELECT m.merged_into_id, ij.jurisdiction_id
FROM incidents AS m
JOIN incident_jurisdictions AS ij ON ij.incident_id = m.id
WHERE m.id = ANY(:absorbed) AND m.merged_into_id IS NOT NULL
ON CONFLICT DO NOTHING;
DELETE FROM incident_jurisdictions WHERE incident_id = ANY(:absorbed)
