"""Maps: live map pages (folium + Leaflet served locally) fed by the events stream."""
