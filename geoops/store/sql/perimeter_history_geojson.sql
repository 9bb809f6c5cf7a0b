-- One incident's perimeter history as a FeatureCollection, oldest first.
SELECT json_build_object(
    'type', 'FeatureCollection',
    'features', coalesce(json_agg(json_build_object(
        'type', 'Feature',
        'id', p.id,
        'geometry', ST_AsGeoJSON(p.geom, 6)::json,
        'properties', json_build_object(
            'incident_id', p.incident_id,
            'observed_at', p.observed_at,
            'recorded_at', p.recorded_at,
            'area_ha', round(p.area_ha::numeric, 2),
            'growth_ha', round(p.growth_ha::numeric, 2),
            'hotspot_count', p.hotspot_count
        )
    ) ORDER BY p.observed_at, p.id), '[]'::json)
)
FROM incident_perimeters AS p
WHERE p.incident_id = :id
