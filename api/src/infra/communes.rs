//! The French communes, offline: resolves what a youth types ("Lille", "59000",
//! "st etienne", "Paris 15e", "Valence 26") to a commune with coordinates, and measures
//! distances for "town + 30 km" searches.
//!
//! The table is `api/data/communes.tsv.gz`, made by `tools/communes/build.py` from the
//! official geography (INSEE, La Poste) and the town halls' locations; it is embedded in the
//! binary and parsed once, on first use. No network, ever.

use std::fmt;
use std::io::Read;
use std::sync::OnceLock;

/// The gzipped TSV: insee, name, postcodes (`,`), department, lat, lon, population.
const TABLE_GZ: &[u8] = include_bytes!("../../data/communes.tsv.gz");

/// Mean Earth radius, in km.
const EARTH_RADIUS_KM: f64 = 6371.0;

/// At most this many suggestions for an unknown commune.
const MAX_SUGGESTIONS: usize = 5;

/// A commune of the metropole or the DROM, or a municipal arrondissement of Paris, Lyon or
/// Marseille.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Commune {
    /// INSEE code ("59350", "2A004", "75115").
    pub insee: String,
    /// Official name ("Saint-Étienne", "Paris 15e Arrondissement").
    pub name: String,
    /// Postcodes, as La Poste lists them.
    pub postcodes: Vec<String>,
    /// Department code ("59", "2A", "974").
    pub department: String,
    /// Latitude of the town hall (or of the commune's centre), in degrees.
    pub lat: f64,
    /// Longitude, in degrees.
    pub lon: f64,
    /// Municipal population (INSEE), 0 when unknown.
    pub population: u32,
}

impl Commune {
    /// Whether this is a municipal arrondissement of Paris, Lyon or Marseille.
    pub fn is_arrondissement(&self) -> bool {
        arrondissement_city(&self.insee).is_some()
    }
}

/// Nothing in the table matches the input; `suggestions` holds the nearest names.
#[derive(Debug, Clone, PartialEq)]
pub struct Unknown {
    pub input: String,
    pub suggestions: Vec<&'static Commune>,
}

impl fmt::Display for Unknown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let input = self.input.trim();
        if input.is_empty() {
            return f.write_str("Indiquez une commune ou un code postal.");
        }
        write!(
            f,
            "Nous ne connaissons pas la commune «\u{a0}{input}\u{a0}»."
        )?;
        if !self.suggestions.is_empty() {
            let names: Vec<String> = self
                .suggestions
                .iter()
                .map(|c| format!("{} ({})", c.name, c.department))
                .collect();
            write!(f, " Vouliez-vous dire\u{a0}: {}\u{a0}?", names.join(", "))?;
        }
        Ok(())
    }
}

impl std::error::Error for Unknown {}

/// Resolves a commune name, postcode or INSEE code, optionally followed or preceded by a
/// postcode, a department or an arrondissement number ("Grenoble 38000", "Valence 26",
/// "Lyon 3e"). Names are compared folded: case, accents, hyphens, apostrophes, spaces and
/// "st"/"ste" for "saint"/"sainte" do not matter. Among homonyms the most populated wins.
/// Five digits alone are a postcode first (its most populated commune, or the arrondissement
/// whose postcode it is: "75015"), and an INSEE code otherwise.
pub fn resolve(input: &str) -> Result<&'static Commune, Unknown> {
    let table = table();
    let query = Query::parse(input);
    let found = table.find(&query);
    found.ok_or_else(|| Unknown {
        input: input.to_string(),
        suggestions: table.suggest(&query),
    })
}

/// `resolve` without the suggestions, which compare the input with thousands of names: for
/// work done many times over (an import's rows past those reported), where the answer is only
/// "known or not".
pub fn resolve_without_suggestions(input: &str) -> Result<&'static Commune, Unknown> {
    table().find(&Query::parse(input)).ok_or_else(|| Unknown {
        input: input.to_string(),
        suggestions: Vec::new(),
    })
}

/// The commune (or arrondissement) with this INSEE code.
pub fn by_insee(code: &str) -> Option<&'static Commune> {
    let table = table();
    let code = code.trim().to_ascii_uppercase();
    table.insee(&code).map(|i| table.commune(i))
}

/// The communes (and arrondissements) served by this postcode, most populated first.
pub fn by_postcode(code: &str) -> Vec<&'static Commune> {
    let table = table();
    table
        .postcode(code.trim())
        .iter()
        .map(|&(_, i)| table.commune(i))
        .collect()
}

/// Every commune and arrondissement of the table, by INSEE code.
pub fn all() -> &'static [Commune] {
    &table().communes
}

/// Great-circle distance in km between two points given in degrees (haversine).
pub fn distance_km(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (phi1, phi2) = (lat1.to_radians(), lat2.to_radians());
    let dphi = (lat2 - lat1).to_radians();
    let dlambda = (lon2 - lon1).to_radians();
    let a = (dphi / 2.0).sin().powi(2) + phi1.cos() * phi2.cos() * (dlambda / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_KM * a.sqrt().min(1.0).asin()
}

/// A box `(min_lat, max_lat, min_lon, max_lon)` holding every point within `radius_km` of
/// the centre, for a cheap SQL prefilter before `distance_km`. Near a pole, or when the box
/// would cross the antimeridian, the longitudes widen to the whole [-180, 180].
pub fn bounding_box(lat: f64, lon: f64, radius_km: f64) -> (f64, f64, f64, f64) {
    let radius_km = radius_km.max(0.0);
    let dlat = (radius_km / EARTH_RADIUS_KM).to_degrees();
    let min_lat = (lat - dlat).max(-90.0);
    let max_lat = (lat + dlat).min(90.0);
    // The widest parallel of the box is the one nearest a pole.
    let widest = min_lat.abs().max(max_lat.abs());
    if widest >= 90.0 {
        return (min_lat, max_lat, -180.0, 180.0);
    }
    let dlon = dlat / widest.to_radians().cos();
    let (min_lon, max_lon) = (lon - dlon, lon + dlon);
    if min_lon < -180.0 || max_lon > 180.0 {
        return (min_lat, max_lat, -180.0, 180.0);
    }
    (min_lat, max_lat, min_lon, max_lon)
}

/// The parsed table and its indexes: sorted vectors searched by bisection, quicker to
/// build than hash maps.
struct Table {
    /// Sorted by INSEE code.
    communes: Vec<Commune>,
    /// Folded name of each commune, spaces removed (same index as `communes`).
    keys: Vec<String>,
    /// Ids sorted by key, then by decreasing population.
    by_name: Vec<usize>,
    /// (postcode, id) sorted by postcode, then by decreasing population.
    by_postcode: Vec<(u32, usize)>,
}

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| Table::parse(TABLE_GZ))
}

impl Table {
    fn parse(gz: &[u8]) -> Table {
        let mut text = String::with_capacity(gz.len() * 4);
        flate2::read::GzDecoder::new(gz)
            .read_to_string(&mut text)
            .expect("api/data/communes.tsv.gz is a valid gzip of UTF-8 text");
        let mut communes = Vec::with_capacity(36_000);
        for (n, line) in text.lines().enumerate() {
            communes.push(parse_line(line).unwrap_or_else(|| {
                panic!(
                    "api/data/communes.tsv.gz, line {}: malformed row {line:?}",
                    n + 1
                )
            }));
        }
        communes.sort_by(|a, b| a.insee.cmp(&b.insee));
        let keys: Vec<String> = communes.iter().map(|c| key(&c.name)).collect();
        let population = |i: usize| std::cmp::Reverse(communes[i].population);
        let mut by_name: Vec<usize> = (0..communes.len()).collect();
        by_name.sort_unstable_by(|&a, &b| {
            keys[a]
                .cmp(&keys[b])
                .then_with(|| population(a).cmp(&population(b)))
                .then(a.cmp(&b))
        });
        let mut by_postcode: Vec<(u32, usize)> = communes
            .iter()
            .enumerate()
            .flat_map(|(i, c)| {
                c.postcodes
                    .iter()
                    .filter_map(move |p| Some((p.parse().ok()?, i)))
            })
            .collect();
        by_postcode.sort_unstable_by_key(|&(postcode, i)| (postcode, population(i), i));
        Table {
            communes,
            keys,
            by_name,
            by_postcode,
        }
    }

    fn commune(&self, id: usize) -> &Commune {
        &self.communes[id]
    }

    fn insee(&self, code: &str) -> Option<usize> {
        self.communes
            .binary_search_by(|c| c.insee.as_str().cmp(code))
            .ok()
    }

    /// Ids of the communes of this folded name, most populated first.
    fn named(&self, key: &str) -> &[usize] {
        let start = self
            .by_name
            .partition_point(|&i| self.keys[i].as_str() < key);
        let len = self.by_name[start..].partition_point(|&i| self.keys[i] == key);
        &self.by_name[start..start + len]
    }

    /// Ids of the communes whose folded name starts with `prefix`, in key order.
    fn prefixed(&self, prefix: &str) -> &[usize] {
        let start = self
            .by_name
            .partition_point(|&i| self.keys[i].as_str() < prefix);
        let len = self.by_name[start..].partition_point(|&i| self.keys[i].starts_with(prefix));
        &self.by_name[start..start + len]
    }

    /// (postcode, id) of the communes of a postcode, most populated first.
    fn postcode(&self, code: &str) -> &[(u32, usize)] {
        if code.len() != 5 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return &[];
        }
        let Ok(code) = code.parse::<u32>() else {
            return &[];
        };
        let start = self.by_postcode.partition_point(|&(p, _)| p < code);
        let len = self.by_postcode[start..].partition_point(|&(p, _)| p == code);
        &self.by_postcode[start..start + len]
    }

    fn find(&self, query: &Query) -> Option<&Commune> {
        let name = query.name.as_str();
        let Some(code) = &query.code else {
            if name.is_empty() {
                return None;
            }
            if let Some(n) = query.ordinal {
                return self.arrondissement(name, n);
            }
            if let Some(number) = &query.number {
                // "Valence 26" (a department), else "Paris 15" (an arrondissement).
                let department = normalize_department(number);
                return self
                    .in_department(name, department.as_deref())
                    .or_else(|| self.arrondissement(name, number.parse().ok()?));
            }
            return self.named(name).first().map(|&i| self.commune(i));
        };
        let by_code = self.postcode(code);
        if name.is_empty() {
            // An arrondissement's own postcode means the arrondissement.
            if let Some(&(_, i)) = by_code
                .iter()
                .find(|&&(_, i)| self.commune(i).is_arrondissement())
            {
                return Some(self.commune(i));
            }
            if let Some(&(_, i)) = by_code.first() {
                return Some(self.commune(i));
            }
            return self.insee(code).map(|i| self.commune(i));
        }
        let ids = || by_code.iter().map(|&(_, i)| i);
        // "Paris 75015": the arrondissement; "Grenoble 38000": the named commune;
        // "Villeneuve 59650": a name cut short.
        let found = ids()
            .find(|&i| arrondissement_city(&self.commune(i).insee) == Some(name))
            .or_else(|| ids().find(|&i| self.keys[i] == name))
            .or_else(|| ids().find(|&i| name.len() >= 3 && self.keys[i].starts_with(name)))
            .or_else(|| self.insee(code).filter(|&i| self.keys[i] == name));
        if let Some(i) = found {
            return Some(self.commune(i));
        }
        // A mistyped postcode: the name within the postcode's department.
        self.in_department(name, postcode_department(code))
    }

    /// The most populated commune of that folded name within a department.
    fn in_department(&self, name: &str, department: Option<&str>) -> Option<&Commune> {
        let department = department?;
        self.named(name)
            .iter()
            .map(|&i| self.commune(i))
            .find(|c| c.department.eq_ignore_ascii_case(department))
    }

    /// Arrondissement `n` of Paris, Lyon or Marseille, when `name` is one of these cities.
    fn arrondissement(&self, name: &str, n: u32) -> Option<&Commune> {
        let (base, count) = match name {
            "paris" => (75100, 20),
            "lyon" => (69380, 9),
            "marseille" => (13200, 16),
            _ => return None,
        };
        if !(1..=count).contains(&n) {
            return None;
        }
        self.insee(&(base + n).to_string()).map(|i| self.commune(i))
    }

    /// Up to five communes whose folded names are nearest the query's, most populated first
    /// among equals, one per name. Only names with the same initial are compared, and with
    /// the edit distance only those of a close length.
    fn suggest(&self, query: &Query) -> Vec<&Commune> {
        let name = query.name.as_str();
        let Some(initial) = name.get(..1) else {
            return query
                .code
                .as_deref()
                .map(|code| self.near_codes(code))
                .unwrap_or_default();
        };
        let len = name.len();
        // One edit in three characters at most, and at least one.
        let max_distance = (len / 3).max(1);
        let mut scored: Vec<(usize, std::cmp::Reverse<u32>, usize)> = Vec::new();
        for &i in self.prefixed(initial) {
            let key = &self.keys[i];
            let distance = if len >= 3 && key.starts_with(name) {
                // A name cut short: as good as one typo.
                1
            } else if key.len().abs_diff(len) > max_distance {
                continue;
            } else {
                strsim::osa_distance(name, key)
            };
            if distance <= max_distance {
                scored.push((distance, std::cmp::Reverse(self.commune(i).population), i));
            }
        }
        scored.sort_unstable();
        let mut chosen: Vec<usize> = Vec::new();
        for (_, _, i) in scored {
            // One suggestion per name: the most populated homonym.
            if chosen.iter().all(|&j| self.keys[j] != self.keys[i]) {
                chosen.push(i);
            }
            if chosen.len() == MAX_SUGGESTIONS {
                break;
            }
        }
        chosen.into_iter().map(|i| self.commune(i)).collect()
    }

    /// For an unknown postcode, the most populated communes of the same department.
    fn near_codes(&self, code: &str) -> Vec<&Commune> {
        let Some(department) = postcode_department(code) else {
            return Vec::new();
        };
        let mut found: Vec<&Commune> = self
            .communes
            .iter()
            .filter(|c| c.department == department && !c.is_arrondissement())
            .collect();
        found.sort_by_key(|c| std::cmp::Reverse(c.population));
        found.truncate(MAX_SUGGESTIONS);
        found
    }
}

fn parse_line(line: &str) -> Option<Commune> {
    let mut fields = line.split('\t');
    let insee = fields.next()?.to_string();
    let name = fields.next()?.to_string();
    let postcodes = fields.next()?;
    let postcodes = if postcodes.is_empty() {
        Vec::new()
    } else {
        postcodes.split(',').map(str::to_string).collect()
    };
    let department = fields.next()?.to_string();
    let lat = fields.next()?.parse().ok()?;
    let lon = fields.next()?.parse().ok()?;
    let population = fields.next()?.parse().ok()?;
    if fields.next().is_some() {
        return None;
    }
    Some(Commune {
        insee,
        name,
        postcodes,
        department,
        lat,
        lon,
        population,
    })
}

/// The city ("paris", "lyon", "marseille", folded) of a municipal arrondissement's code.
fn arrondissement_city(insee: &str) -> Option<&'static str> {
    let n: u32 = insee.parse().ok()?;
    match n {
        75101..=75120 => Some("paris"),
        69381..=69389 => Some("lyon"),
        13201..=13216 => Some("marseille"),
        _ => None,
    }
}

/// The department of a postcode: "38000" → "38", "97400" → "974". Corsica's postcodes
/// ("20000") do not tell 2A from 2B and give no department.
fn postcode_department(code: &str) -> Option<&str> {
    if code.starts_with("97") || code.starts_with("98") {
        code.get(..3)
    } else if code.starts_with("20") {
        None
    } else {
        code.get(..2)
    }
}

/// A department typed by a youth ("26", "2a", "974", "1" for "01"), in the table's form.
fn normalize_department(typed: &str) -> Option<String> {
    let upper = typed.to_ascii_uppercase();
    match upper.len() {
        1 if upper.bytes().all(|b| b.is_ascii_digit()) => Some(format!("0{upper}")),
        2 | 3 => Some(upper),
        _ => None,
    }
}

/// What a youth typed, split into a folded name and the codes around it.
#[derive(Debug, Default, PartialEq)]
struct Query {
    /// The name, folded, spaces removed ("saintetienne").
    name: String,
    /// A five-character postcode or INSEE code ("38000", "2A004").
    code: Option<String>,
    /// A short number: a department ("26", "2a", "974") or an arrondissement ("15").
    number: Option<String>,
    /// An ordinal: an arrondissement ("15e", "1er", "3ème").
    ordinal: Option<u32>,
}

impl Query {
    fn parse(input: &str) -> Query {
        let mut query = Query::default();
        let mut words = Vec::new();
        let folded = fold(input);
        for word in folded.split(' ').filter(|w| !w.is_empty()) {
            if is_code(word) && query.code.is_none() {
                query.code = Some(word.to_ascii_uppercase());
            } else if let Some(n) = ordinal(word).filter(|_| query.ordinal.is_none()) {
                query.ordinal = Some(n);
            } else if is_department(word) && query.number.is_none() {
                query.number = Some(word.to_string());
            } else if matches!(word, "arrondissement" | "arrdt" | "arr" | "cedex") {
                // Noise around arrondissements and business postcodes.
            } else {
                words.push(word);
            }
        }
        query.name = join_key(&words);
        query
    }
}

fn is_code(word: &str) -> bool {
    let bytes = word.as_bytes();
    bytes.len() == 5
        && (bytes.iter().all(u8::is_ascii_digit)
            || (word.starts_with("2a") || word.starts_with("2b"))
                && bytes[2..].iter().all(u8::is_ascii_digit))
}

fn is_department(word: &str) -> bool {
    matches!(word, "2a" | "2b")
        || (1..=3).contains(&word.len()) && word.bytes().all(|b| b.is_ascii_digit())
}

/// "15e", "1er", "1ere", "3eme", "3ieme" → the number.
fn ordinal(word: &str) -> Option<u32> {
    let digits = word.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || digits > 2 {
        return None;
    }
    let (number, suffix) = word.split_at(digits);
    matches!(suffix, "e" | "er" | "ere" | "eme" | "ieme" | "em")
        .then(|| number.parse().ok())
        .flatten()
}

/// Lower case ASCII words separated by single spaces: accents, hyphens, apostrophes and
/// punctuation dropped.
fn fold(text: &str) -> String {
    let mut folded = String::with_capacity(text.len());
    let mut push = |c: char| {
        if c.is_ascii_alphanumeric() {
            folded.push(c.to_ascii_lowercase());
        } else if !folded.is_empty() && !folded.ends_with(' ') {
            folded.push(' ');
        }
    };
    for c in text.chars() {
        match c {
            _ if c.is_ascii() => push(c),
            // The letters of French names, without a trip through deunicode's tables.
            'à' | 'â' | 'ä' | 'À' | 'Â' | 'Ä' => push('a'),
            'é' | 'è' | 'ê' | 'ë' | 'É' | 'È' | 'Ê' | 'Ë' => push('e'),
            'î' | 'ï' | 'Î' | 'Ï' => push('i'),
            'ô' | 'ö' | 'Ô' | 'Ö' => push('o'),
            'ù' | 'û' | 'ü' | 'Ù' | 'Û' | 'Ü' => push('u'),
            'ç' | 'Ç' => push('c'),
            'ÿ' | 'Ÿ' => push('y'),
            'œ' | 'Œ' => "oe".chars().for_each(&mut push),
            'æ' | 'Æ' => "ae".chars().for_each(&mut push),
            // Anything else through deunicode; typographic apostrophes and dashes become
            // separators, like their ASCII forms.
            _ => deunicode::deunicode_char(c)
                .unwrap_or(" ")
                .chars()
                .for_each(&mut push),
        }
    }
    if folded.ends_with(' ') {
        folded.pop();
    }
    folded
}

/// The lookup key of a name: folded, "st"/"ste" spelled out, spaces removed.
fn key(name: &str) -> String {
    let folded = fold(name);
    let words: Vec<&str> = folded.split(' ').collect();
    join_key(&words)
}

fn join_key(words: &[&str]) -> String {
    let mut key = String::new();
    for word in words {
        key.push_str(match *word {
            "st" => "saint",
            "ste" => "sainte",
            other => other,
        });
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `input` resolves to the commune of INSEE code `expected`.
    fn check(input: &str, expected: &str) {
        match resolve(input) {
            Ok(commune) => assert_eq!(
                commune.insee, expected,
                "{input:?} gave {} ({})",
                commune.name, commune.insee
            ),
            Err(unknown) => panic!("{input:?} should resolve to {expected}: {unknown}"),
        }
    }

    #[test]
    fn names_and_postcodes() {
        check("Lille", "59350");
        check("59000", "59350");
        check("lille 59000", "59350");
        check("Grenoble", "38185");
        check("38000", "38185");
        check("38000 Grenoble", "38185");
        check("Grenoble 38000", "38185");
        check("Grenoble (38)", "38185");
        check("38185", "38185");
    }

    #[test]
    fn folding_of_names() {
        for input in [
            "Saint-Étienne",
            "saint-etienne",
            "st etienne",
            "St-Étienne",
            "SAINT ETIENNE",
            "  saint   étienne ",
            "42000",
        ] {
            check(input, "42218");
        }
        check("Villeneuve d'Ascq", "59009");
        check("villeneuve-d'ascq", "59009");
        check("VILLENEUVE D ASCQ", "59009");
        check("Villeneuve 59650", "59009");
        check("Ste-Foy-lès-Lyon", "69202");
        check("L'Abergement-Clémenciat", "01001");
    }

    #[test]
    fn arrondissements() {
        check("Paris", "75056");
        check("Paris 15e", "75115");
        check("paris 15eme arrondissement", "75115");
        check("75015", "75115");
        check("Paris 75015", "75115");
        check("75116", "75116");
        check("Lyon 3e", "69383");
        check("Marseille 1er", "13201");
        check("Marseille 13", "13055");
        check("Marseille 13e", "13213");
        assert!(by_insee("75115").is_some_and(Commune::is_arrondissement));
        assert!(!by_insee("75056").is_some_and(Commune::is_arrondissement));
    }

    #[test]
    fn overseas() {
        check("97400", "97411");
        // Five digits are a postcode first: 97411 is Saint-Paul's, and Saint-Denis's INSEE code.
        check("97411", "97415");
        check("Saint-Denis 97411", "97411");
        check("Saint-Denis 974", "97411");
        check("Saint-Denis 97400", "97411");
        let reunion = by_insee("97411").unwrap();
        assert_eq!(reunion.department, "974");
        assert!(reunion.lat < -20.0 && reunion.lon > 55.0);
        check("Ajaccio", "2A004");
        check("2a004", "2A004");
        check("Ajaccio 2A", "2A004");
    }

    #[test]
    fn homonyms() {
        // The most populated Saint-Denis is La Réunion's, just ahead of Seine-Saint-Denis's.
        check("Saint-Denis", "97411");
        check("Saint-Denis 93", "93066");
        check("93200", "93066");
        check("Valence", "26362");
        check("Valence 82", "82186");
        check("Valence 26", "26362");
        let saint_martin = resolve("Saint-Martin").unwrap();
        let homonyms = table().named("saintmartin");
        assert!(homonyms.len() > 1);
        let populations = homonyms.iter().map(|&i| table().commune(i).population);
        assert_eq!(saint_martin.population, populations.max().unwrap());
    }

    #[test]
    fn unknown_communes_come_with_suggestions() {
        let unknown = resolve("Grenobel").unwrap_err();
        assert_eq!(unknown.input, "Grenobel");
        assert_eq!(unknown.suggestions[0].insee, "38185");
        assert!(unknown.suggestions.len() <= MAX_SUGGESTIONS);
        let message = unknown.to_string();
        assert!(
            message.starts_with(
                "Nous ne connaissons pas la commune «\u{a0}Grenobel\u{a0}». \
                 Vouliez-vous dire\u{a0}: Grenoble (38)"
            ),
            "{message}"
        );
        assert!(message.ends_with("\u{a0}?"), "{message}");

        let cut_short = resolve("Cherbourg").unwrap_err();
        assert_eq!(cut_short.suggestions[0].name, "Cherbourg-en-Cotentin");

        let nothing = resolve("Zzzzzzzzzzzzzz").unwrap_err();
        assert!(nothing.suggestions.is_empty());
        assert_eq!(
            nothing.to_string(),
            "Nous ne connaissons pas la commune «\u{a0}Zzzzzzzzzzzzzz\u{a0}»."
        );
        assert_eq!(
            resolve("  ").unwrap_err().to_string(),
            "Indiquez une commune ou un code postal."
        );
        assert!(resolve("Lille 38").is_err());
        assert!(resolve("Paris 21e").is_err());
        let unknown_postcode = resolve("38999").unwrap_err();
        assert_eq!(unknown_postcode.suggestions[0].insee, "38185");
    }

    #[test]
    fn lookups() {
        let lille = by_insee("59350").unwrap();
        assert_eq!(lille.name, "Lille");
        assert_eq!(lille.department, "59");
        assert!(lille.postcodes.iter().any(|p| p == "59000"));
        assert!(lille.population > 200_000);
        assert!(by_insee("00000").is_none());
        let grenoble = by_postcode("38000");
        assert_eq!(grenoble[0].insee, "38185");
        let paris_15 = by_postcode("75015");
        assert!(paris_15.iter().any(|c| c.insee == "75056"));
        assert!(paris_15.iter().any(|c| c.insee == "75115"));
        assert!(by_postcode("00000").is_empty());
        assert!(all().len() > 34_000);
        assert!(all().windows(2).all(|w| w[0].insee < w[1].insee));
        // Every commune lies in France, metropole or overseas.
        assert!(all()
            .iter()
            .all(|c| c.lat.abs() <= 90.0 && c.lon.abs() <= 180.0));
    }

    #[test]
    fn distances() {
        let lille = by_insee("59350").unwrap();
        let roubaix = by_insee("59512").unwrap();
        let grenoble = by_insee("38185").unwrap();
        let near = distance_km(lille.lat, lille.lon, roubaix.lat, roubaix.lon);
        // Town hall to town hall: 9.9 km.
        assert!((9.0..=12.0).contains(&near), "Lille–Roubaix: {near} km");
        let far = distance_km(lille.lat, lille.lon, grenoble.lat, grenoble.lon);
        assert!((560.0..=640.0).contains(&far), "Lille–Grenoble: {far} km");
        assert_eq!(distance_km(45.0, 5.0, 45.0, 5.0), 0.0);
    }

    #[test]
    fn bounding_boxes_hold_the_circle() {
        let lille = by_insee("59350").unwrap();
        let (min_lat, max_lat, min_lon, max_lon) = bounding_box(lille.lat, lille.lon, 30.0);
        assert!(min_lat < lille.lat && lille.lat < max_lat);
        assert!(min_lon < lille.lon && lille.lon < max_lon);
        for commune in all() {
            let d = distance_km(lille.lat, lille.lon, commune.lat, commune.lon);
            let inside = (min_lat..=max_lat).contains(&commune.lat)
                && (min_lon..=max_lon).contains(&commune.lon);
            assert!(
                d > 30.0 || inside,
                "{} at {d} km is outside the box",
                commune.name
            );
        }
        // The box is not much larger than the circle.
        assert!(distance_km(min_lat, lille.lon, max_lat, lille.lon) < 60.5);
        assert_eq!(bounding_box(89.9, 0.0, 50.0).2, -180.0);
    }

    #[test]
    fn queries_are_split() {
        assert_eq!(
            Query::parse("Grenoble 38000"),
            Query {
                name: "grenoble".into(),
                code: Some("38000".into()),
                ..Query::default()
            }
        );
        assert_eq!(
            Query::parse("Paris 15ème"),
            Query {
                name: "paris".into(),
                ordinal: Some(15),
                ..Query::default()
            }
        );
        assert_eq!(
            Query::parse("St-Jean-de-Luz (64)"),
            Query {
                name: "saintjeandeluz".into(),
                number: Some("64".into()),
                ..Query::default()
            }
        );
        assert_eq!(key("Sainte-Foy-lès-Lyon"), key("ste foy les lyon"));
        assert_eq!(
            fold("  L’Haÿ-les-Roses\u{2014}Œuvre ÉTÉ, ñ "),
            "l hay les roses oeuvre ete n"
        );
    }
}
