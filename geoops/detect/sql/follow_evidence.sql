-- Reports and sensor alarms follow their evidence to its (possibly merged) incident, a
-- report that was only received is now linked (two statements).
UPDATE reports AS r
SET incident_id = e.incident_id,
    status = CASE WHEN r.status = 'received' THEN 'linked' ELSE r.status END
FROM incident_evidence AS e
WHERE e.report_id = r.id AND e.incident_id = ANY(:ids) AND r.incident_id IS DISTINCT FROM e.incident_id
RETURNING r.id AS report_id, r.status, r.incident_id;
UPDATE sensor_alarms AS a
SET incident_id = e.incident_id
FROM incident_evidence AS e
WHERE e.alarm_id = a.id AND e.incident_id = ANY(:ids) AND a.incident_id IS DISTINCT FROM e.incident_id
