-- Heat-source candidates as one GeoJSON FeatureCollection, newest first; the caller fills
-- in the WHERE clause.
SELECT json_build_object(
    'type', 'FeatureCollection',
    'features', coalesce(json_agg(f.feature ORDER BY f.created_at DESC, f.id DESC), '[]'::json)
)
FROM (
    SELECT c.id, c.created_at, json_build_object(
        'type', 'Feature',
        'id', c.id,
        'geometry', ST_AsGeoJSON(c.geom, 6)::json,
        'properties', json_build_object(
            'id', c.id,
            'status', c.status,
            'incident_id', c.incident_id,
            'incident_number', i.number,
            'radius_m', round(c.radius_m::numeric, 1),
            'days', c.days,
            'detections', c.detections,
            'first_seen_at', c.first_seen_at,
            'last_seen_at', c.last_seen_at,
            'decided_by', c.decided_by,
            'decided_at', c.decided_at,
            'note', c.note,
            'created_at', c.created_at,
            'updated_at', c.updated_at
        )
    ) AS feature
    FROM heat_source_candidates AS c
    LEFT JOIN incidents AS i ON i.id = c.incident_id
    WHERE /*where*/
    ORDER BY c.created_at DESC, c.id DESC
    LIMIT :limit
) AS f
