//! Distances on the Earth: exact haversine, and the bounding box used as a coarse prefilter.

const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// Great-circle distance in metres between two points in degrees (haversine formula).
pub fn haversine_m(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (phi1, phi2) = (lat1.to_radians(), lat2.to_radians());
    let d_phi = (lat2 - lat1).to_radians();
    let d_lambda = (lon2 - lon1).to_radians();
    let a = (d_phi / 2.0).sin().powi(2) + phi1.cos() * phi2.cos() * (d_lambda / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * a.sqrt().min(1.0).asin()
}

/// A box (min lat, max lat, min lon, max lon) that contains every point within `radius_m`
/// of the centre (a little larger, never smaller). Longitude is not clipped at ±180°: near
/// the antimeridian or the poles the box is the whole range.
pub(crate) fn bounding_box(lat: f64, lon: f64, radius_m: f64) -> (f64, f64, f64, f64) {
    let d_lat = (radius_m / EARTH_RADIUS_M).to_degrees() * 1.001;
    let min_lat = lat - d_lat;
    let max_lat = lat + d_lat;
    if min_lat <= -90.0 || max_lat >= 90.0 {
        return (min_lat.max(-90.0), max_lat.min(90.0), -180.0, 180.0);
    }
    let cos = min_lat.to_radians().cos().min(max_lat.to_radians().cos());
    let d_lon = d_lat / cos.max(1e-9);
    if lon - d_lon <= -180.0 || lon + d_lon >= 180.0 {
        return (min_lat, max_lat, -180.0, 180.0);
    }
    (min_lat, max_lat, lon - d_lon, lon + d_lon)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paris_lyon() {
        let d = haversine_m(48.8566, 2.3522, 45.7640, 4.8357);
        assert!((d - 391_500.0).abs() < 1_500.0, "{d}");
    }

    #[test]
    fn box_contains_the_circle() {
        let (lat, lon, r) = (48.8566, 2.3522, 30_000.0);
        let (min_lat, max_lat, min_lon, max_lon) = bounding_box(lat, lon, r);
        for step in 0..360 {
            let bearing = f64::from(step).to_radians();
            // A point slightly inside the circle, moved along the bearing.
            let d = (r * 0.999) / EARTH_RADIUS_M;
            let p_lat = (lat.to_radians().sin() * d.cos()
                + lat.to_radians().cos() * d.sin() * bearing.cos())
            .asin();
            let p_lon = lon.to_radians()
                + (bearing.sin() * d.sin() * lat.to_radians().cos())
                    .atan2(d.cos() - lat.to_radians().sin() * p_lat.sin());
            let (p_lat, p_lon) = (p_lat.to_degrees(), p_lon.to_degrees());
            assert!(haversine_m(lat, lon, p_lat, p_lon) <= r);
            assert!((min_lat..=max_lat).contains(&p_lat) && (min_lon..=max_lon).contains(&p_lon));
        }
    }
}
