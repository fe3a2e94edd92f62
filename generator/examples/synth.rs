//! Synthetic sites for benchmarks: the same N pages written twice, once as a Tremplin site and
//! once as a Hugo site, so that both generators build identical content.
//!
//! ```text
//! cargo run --release -p tremplin-generator --example synth -- --pages 10000 --out DIR
//! ```
//!
//! writes `DIR/tremplin/` (tremplin.toml, content/, templates/) and `DIR/hugo/` (config.toml,
//! content/, layouts/). Pages have about 600 words of French-looking text in paragraphs, 3–5
//! `##` headings, lists and emphasis, TOML front matter with a date, 1–2 `themes` and 1
//! `publics`, and 2–3 internal links to other pages, some to a heading's anchor. The text comes
//! from a seeded xorshift generator: the same arguments always give the same bytes.
//!
//! Options: `--pages N` (10000), `--sections S` (20), `--seed X` (42), `--out DIR` (required),
//! and for other shapes of site:
//!
//! - `--themes N` (8): terms of the `themes` taxonomy (beyond 8 they are named `thème 9`…);
//! - `--themes-per-page LO-HI`: each page has between LO and HI distinct themes (by default one,
//!   and a second one half of the time);
//! - `--no-publics`: no `publics` taxonomy;
//! - `--paginate N` (20): pages per listing page of sections and terms; `0`: no pagination,
//!   each section and term page lists all its pages (as a Zola site does by default);
//! - `--summaries`: listings show each listed page's summary (the text before `<!-- more -->`);
//! - `--shape taxonomies`: the site of issue 19, `--sections 100 --themes 8 --themes-per-page
//!   2-3 --no-publics --paginate 0` (options after it change it).
//!
//! Without these options the site is the one `bench/build.sh` has always measured, byte for
//! byte.

use std::fmt::Write as _;
use std::fs;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use chrono::{Days, NaiveDate};

/// xorshift64*: tiny, fast and good enough for filler text.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        // SplitMix64 once, so that close seeds give unrelated streams (and never 0).
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Rng((z ^ (z >> 31)) | 1)
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + (self.next() % (hi - lo + 1) as u64) as usize
    }

    /// True with probability `percent`/100.
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next() % items.len() as u64) as usize]
    }
}

/// French words (no apostrophe, no ligature: their slugs are the same for Tremplin and Hugo).
const WORDS: &[&str] = &[
    "accompagnement",
    "accueil",
    "action",
    "activité",
    "adresse",
    "aide",
    "alternance",
    "année",
    "apprentissage",
    "argent",
    "association",
    "atelier",
    "avenir",
    "avis",
    "banque",
    "besoin",
    "bilan",
    "bourse",
    "budget",
    "bureau",
    "caisse",
    "candidature",
    "carte",
    "centre",
    "chance",
    "chemin",
    "choix",
    "citoyen",
    "classe",
    "collège",
    "commune",
    "compétence",
    "conseil",
    "conseiller",
    "contrat",
    "courrier",
    "cours",
    "crédit",
    "découverte",
    "démarche",
    "départ",
    "dépense",
    "diplôme",
    "dispositif",
    "document",
    "dossier",
    "droit",
    "durée",
    "école",
    "économie",
    "effort",
    "emploi",
    "employeur",
    "énergie",
    "engagement",
    "enquête",
    "entreprise",
    "entretien",
    "envie",
    "équipe",
    "espace",
    "essai",
    "étape",
    "état",
    "étude",
    "étudiant",
    "expérience",
    "famille",
    "fiche",
    "financement",
    "formation",
    "forum",
    "frais",
    "garantie",
    "groupe",
    "guichet",
    "habitude",
    "horaire",
    "idée",
    "immersion",
    "information",
    "initiative",
    "insertion",
    "inscription",
    "intérêt",
    "jeune",
    "journée",
    "justificatif",
    "lettre",
    "lieu",
    "logement",
    "loisir",
    "lycée",
    "maison",
    "métier",
    "mission",
    "mobilité",
    "modèle",
    "moment",
    "montant",
    "mutuelle",
    "objectif",
    "offre",
    "orientation",
    "outil",
    "parcours",
    "partenaire",
    "passage",
    "patience",
    "permis",
    "personne",
    "piste",
    "place",
    "plan",
    "plateforme",
    "point",
    "poste",
    "pratique",
    "préfecture",
    "prime",
    "priorité",
    "projet",
    "promesse",
    "question",
    "quartier",
    "rendez-vous",
    "réponse",
    "réseau",
    "ressource",
    "retour",
    "réunion",
    "rêve",
    "salaire",
    "santé",
    "secteur",
    "semaine",
    "service",
    "situation",
    "soutien",
    "spécialité",
    "sport",
    "stage",
    "structure",
    "suivi",
    "tâche",
    "talent",
    "temps",
    "terrain",
    "titre",
    "transport",
    "travail",
    "trajet",
    "université",
    "valeur",
    "vélo",
    "ville",
    "visite",
    "voyage",
    "accompagner",
    "aider",
    "apprendre",
    "appeler",
    "avancer",
    "changer",
    "chercher",
    "choisir",
    "commencer",
    "comprendre",
    "conduire",
    "construire",
    "contacter",
    "créer",
    "décider",
    "découvrir",
    "demander",
    "déménager",
    "développer",
    "écrire",
    "envoyer",
    "essayer",
    "expliquer",
    "financer",
    "gagner",
    "garder",
    "imaginer",
    "informer",
    "inscrire",
    "lire",
    "montrer",
    "obtenir",
    "organiser",
    "partager",
    "payer",
    "penser",
    "permettre",
    "poser",
    "préparer",
    "présenter",
    "prévoir",
    "proposer",
    "prouver",
    "quitter",
    "raconter",
    "recevoir",
    "rejoindre",
    "remplir",
    "rencontrer",
    "réussir",
    "signer",
    "suivre",
    "trouver",
    "valider",
    "actif",
    "ancien",
    "autonome",
    "bref",
    "calme",
    "certain",
    "clair",
    "complet",
    "concret",
    "courageux",
    "curieux",
    "différent",
    "difficile",
    "direct",
    "efficace",
    "entier",
    "facile",
    "fidèle",
    "fort",
    "gratuit",
    "habile",
    "important",
    "libre",
    "local",
    "long",
    "mensuel",
    "meilleur",
    "motivé",
    "nouveau",
    "officiel",
    "ouvert",
    "pratique",
    "précis",
    "premier",
    "prêt",
    "public",
    "rapide",
    "réel",
    "régional",
    "simple",
    "solide",
    "sûr",
    "utile",
    "vrai",
    "avec",
    "pour",
    "dans",
    "sans",
    "entre",
    "vers",
    "chez",
    "sous",
    "selon",
    "depuis",
    "pendant",
    "et",
    "ou",
    "mais",
    "donc",
    "puis",
    "aussi",
    "très",
    "bien",
    "déjà",
    "encore",
    "souvent",
    "toujours",
    "ensemble",
    "ici",
    "enfin",
    "le",
    "la",
    "les",
    "un",
    "une",
    "des",
    "du",
    "de",
    "votre",
    "vos",
    "notre",
    "chaque",
    "tout",
    "plus",
    "moins",
    "vous",
    "nous",
    "il",
    "elle",
];

const THEMES: &[&str] = &[
    "emploi",
    "formation",
    "accompagnement",
    "argent et droits",
    "logement",
    "mobilité",
    "santé",
    "vie quotidienne",
];
const PUBLICS: &[&str] = &[
    "16-17 ans",
    "18-25 ans",
    "parents",
    "partenaires",
    "professionnels",
];
const SECTION_NAMES: &[&str] = &[
    "Emploi",
    "Formation",
    "Logement",
    "Santé",
    "Mobilité",
    "Argent",
    "Droits",
    "Citoyenneté",
    "Sport et loisirs",
    "Culture",
    "Numérique",
    "International",
    "Entreprises",
    "Orientation",
    "Apprentissage",
    "Bénévolat",
    "Handicap",
    "Famille",
    "Transports",
    "Vie pratique",
];

/// What other pages need to know about a page: where it is and its headings.
struct PageInfo {
    section: usize,
    number: usize,
    title: String,
    headings: Vec<String>,
}

impl PageInfo {
    fn rel(&self) -> String {
        format!("section-{}/page-{}.md", self.section, self.number)
    }
}

/// A heading's id: lowercase ASCII, accents folded, every run of other characters one `-`.
fn slug(text: &str) -> String {
    let mut out = String::new();
    let mut dash = false;
    for c in text.chars().flat_map(char::to_lowercase) {
        let folded = match c {
            'à' | 'â' | 'ä' => 'a',
            'ç' => 'c',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'î' | 'ï' => 'i',
            'ô' | 'ö' => 'o',
            'ù' | 'û' | 'ü' => 'u',
            'ÿ' => 'y',
            c => c,
        };
        if folded.is_ascii_alphanumeric() {
            if dash && !out.is_empty() {
                out.push('-');
            }
            dash = false;
            out.push(folded);
        } else {
            dash = true;
        }
    }
    out
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn words(rng: &mut Rng, n: usize) -> Vec<&'static str> {
    (0..n).map(|_| *rng.pick(WORDS)).collect()
}

/// A sentence of `n` words: capitalized, with an occasional comma, ending with a period.
fn sentence(rng: &mut Rng, n: usize, emphasis: bool) -> String {
    let mut s = String::new();
    for (i, w) in words(rng, n).into_iter().enumerate() {
        if i > 0 {
            s.push_str(if i > 2 && i + 2 < n && rng.chance(8) {
                ", "
            } else {
                " "
            });
        }
        let w = if i == 0 { capitalize(w) } else { w.to_string() };
        if emphasis && i > 0 && rng.chance(3) {
            let _ = write!(s, "*{w}*");
        } else if emphasis && i > 0 && rng.chance(2) {
            let _ = write!(s, "**{w}**");
        } else {
            s.push_str(&w);
        }
    }
    s.push('.');
    s
}

/// A paragraph of about `n` words.
fn paragraph(rng: &mut Rng, n: usize) -> String {
    let mut out = String::new();
    let mut left = n as isize;
    while left > 0 {
        let len = rng.range(8, 18).min(left.max(4) as usize);
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&sentence(rng, len, true));
        left -= len as isize;
    }
    out
}

fn page_seed(seed: u64, i: usize) -> u64 {
    seed ^ (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// The first pass: each page's place, title and headings, from its own seed.
fn page_info(seed: u64, i: usize, pages: usize, sections: usize) -> PageInfo {
    let mut rng = Rng::new(page_seed(seed, i));
    let section = i * sections / pages + 1;
    let title_words = rng.range(3, 6);
    let title = capitalize(&words(&mut rng, title_words).join(" "));
    let n = rng.range(3, 5);
    let mut headings: Vec<String> = Vec::with_capacity(n);
    while headings.len() < n {
        let len = rng.range(2, 4);
        let h = capitalize(&words(&mut rng, len).join(" "));
        // Unique ids within the page, so that an anchor names exactly one heading.
        if !headings.iter().any(|o| slug(o) == slug(&h)) {
            headings.push(h);
        }
    }
    PageInfo {
        section,
        number: i + 1,
        title,
        headings,
    }
}

/// What differs between the two flavours of the same page.
#[derive(Clone, Copy, PartialEq)]
enum Flavour {
    Tremplin,
    Hugo,
}

/// The page's body and metadata, generated once and written for both flavours.
struct PageText {
    description: String,
    date: NaiveDate,
    themes: Vec<String>,
    publics: Vec<&'static str>,
    /// Markdown blocks; a `Link` is written per flavour.
    blocks: Vec<Block>,
}

enum Block {
    Text(String),
    /// Paragraph text before and after an internal link.
    Linked {
        before: String,
        target: usize,
        anchor: Option<String>,
        label: String,
        after: String,
    },
    More,
}

fn page_text(args: &Args, i: usize, infos: &[PageInfo], themes: &[String]) -> PageText {
    let seed = args.seed;
    // A second stream for the body, independent of the one used for the headings.
    let mut rng = Rng::new(page_seed(seed, i) ^ 0xD1B5_4A32_D192_ED03);
    let info = &infos[i];
    let description_words = rng.range(12, 20);
    let description = sentence(&mut rng, description_words, false);
    let start = NaiveDate::from_ymd_opt(2019, 1, 1).expect("valid date");
    let date = start + Days::new(rng.range(0, 2400) as u64);
    let mut page_themes = vec![rng.pick(themes).clone()];
    match args.themes_per_page {
        // The original shape, whose random stream must stay the same.
        None => {
            if rng.chance(50) {
                let second = rng.pick(themes).clone();
                if second != page_themes[0] {
                    page_themes.push(second);
                }
            }
        }
        Some((lo, hi)) => {
            let n = rng.range(lo, hi).min(themes.len());
            page_themes.clear();
            while page_themes.len() < n {
                let t = rng.pick(themes);
                if !page_themes.contains(t) {
                    page_themes.push(t.clone());
                }
            }
        }
    }
    let publics = vec![*rng.pick(PUBLICS)];

    // Links: 2 or 3 other pages, about half of them to one of their headings.
    let n_links = rng.range(2, 3);
    let mut links = Vec::new();
    while links.len() < n_links && infos.len() > 1 {
        let t = rng.range(0, infos.len() - 1);
        if t == i {
            continue;
        }
        let anchor = rng
            .chance(50)
            .then(|| slug(rng.pick::<String>(&infos[t].headings)));
        links.push((t, anchor));
    }

    // About 600 words: an introduction, then each heading with paragraphs and maybe a list.
    let total = rng.range(570, 630);
    let intro = rng.range(55, 75);
    let per_heading = (total - intro) / info.headings.len();
    let mut blocks = Vec::new();
    let mut paragraphs = Vec::new(); // indices of plain paragraphs, to place the links
    blocks.push(Block::Text(paragraph(&mut rng, intro)));
    paragraphs.push(0);
    blocks.push(Block::More);
    for h in &info.headings {
        blocks.push(Block::Text(format!("## {h}")));
        let mut left = per_heading;
        if rng.chance(40) {
            let items = rng.range(3, 5);
            let ordered = rng.chance(30);
            let mut list = String::new();
            for k in 0..items {
                let len = rng.range(5, 10);
                let marker = if ordered {
                    format!("{}.", k + 1)
                } else {
                    "-".to_string()
                };
                let _ = writeln!(list, "{marker} {}", sentence(&mut rng, len, true));
                left = left.saturating_sub(len);
            }
            blocks.push(Block::Text(list.trim_end().to_string()));
        }
        while left > 0 {
            let n = rng.range(45, 85).min(left.max(20));
            blocks.push(Block::Text(paragraph(&mut rng, n)));
            paragraphs.push(blocks.len() - 1);
            left = left.saturating_sub(n);
        }
    }
    // Each link goes into a different paragraph, cut at a sentence boundary.
    for (k, (target, anchor)) in links.into_iter().enumerate() {
        let per_link = (paragraphs.len() / n_links).max(1);
        let slot = paragraphs[((k * paragraphs.len()) / n_links + rng.range(0, per_link - 1))
            .min(paragraphs.len() - 1)];
        let Block::Text(text) = &blocks[slot] else {
            continue;
        };
        let cut = text.find(". ").map(|p| p + 1).unwrap_or(text.len());
        let label = match &anchor {
            Some(a) => {
                let h = infos[target]
                    .headings
                    .iter()
                    .find(|h| slug(h) == *a)
                    .expect("anchor from a heading");
                format!("{} : {}", infos[target].title, h.to_lowercase())
            }
            None => infos[target].title.to_lowercase(),
        };
        blocks[slot] = Block::Linked {
            before: text[..cut].to_string(),
            target,
            anchor,
            label: format!("voir aussi {label}"),
            after: text[cut..].to_string(),
        };
    }
    PageText {
        description,
        date,
        themes: page_themes,
        publics,
        blocks,
    }
}

fn toml_str(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

fn toml_list(items: &[impl AsRef<str>]) -> String {
    format!(
        "[{}]",
        items
            .iter()
            .map(|s| toml_str(s.as_ref()))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

fn render_page(
    args: &Args,
    flavour: Flavour,
    info: &PageInfo,
    text: &PageText,
    infos: &[PageInfo],
) -> String {
    let mut s = String::with_capacity(6 * 1024);
    s.push_str("+++\n");
    let _ = writeln!(s, "title = {}", toml_str(&info.title));
    let _ = writeln!(s, "description = {}", toml_str(&text.description));
    let _ = writeln!(s, "date = {}", text.date.format("%Y-%m-%d"));
    match flavour {
        Flavour::Tremplin => s.push_str("\n[taxonomies]\n"),
        Flavour::Hugo => {}
    }
    let _ = writeln!(s, "themes = {}", toml_list(&text.themes));
    if args.publics {
        let _ = writeln!(s, "publics = {}", toml_list(&text.publics));
    }
    s.push_str("+++\n\n");
    for b in &text.blocks {
        match b {
            Block::Text(t) => s.push_str(t),
            Block::More => s.push_str(match flavour {
                Flavour::Tremplin => "<!-- more -->",
                Flavour::Hugo => "<!--more-->",
            }),
            Block::Linked {
                before,
                target,
                anchor,
                label,
                after,
            } => {
                let path = infos[*target].rel();
                let frag = anchor.as_ref().map(|a| format!("#{a}")).unwrap_or_default();
                let href = match flavour {
                    Flavour::Tremplin => format!("@/{path}{frag}"),
                    Flavour::Hugo => format!("{{{{< ref \"/{path}{frag}\" >}}}}"),
                };
                let _ = write!(s, "{before} [{label}]({href}){after}");
            }
        }
        s.push_str("\n\n");
    }
    s
}

fn section_title(n: usize) -> String {
    let base = SECTION_NAMES[(n - 1) % SECTION_NAMES.len()];
    if n > SECTION_NAMES.len() {
        format!("{base} {}", (n - 1) / SECTION_NAMES.len() + 1)
    } else {
        base.to_string()
    }
}

fn section_index(args: &Args, flavour: Flavour, n: usize, rng: &mut Rng) -> String {
    let mut s = String::from("+++\n");
    let _ = writeln!(s, "title = {}", toml_str(&section_title(n)));
    let _ = writeln!(s, "description = {}", toml_str(&sentence(rng, 12, false)));
    if flavour == Flavour::Tremplin {
        s.push_str("sort_by = \"date\"\n");
        if args.paginate > 0 {
            let _ = writeln!(s, "paginate_by = {}", args.paginate);
        }
    }
    s.push_str("+++\n\n");
    s.push_str(&paragraph(rng, 60));
    s.push('\n');
    s
}

const HOME_TITLE: &str = "Tremplin synthétique";
const HOME_DESCRIPTION: &str =
    "Un site de démonstration généré pour mesurer la vitesse de construction.";

fn tremplin_config(args: &Args) -> String {
    let paginate = |s: String| match args.paginate {
        20 => s,
        0 => edit(&s, "paginate_by = 20\n", ""),
        n => edit(&s, "paginate_by = 20\n", &format!("paginate_by = {n}\n")),
    };
    let publics = |s: String| {
        if args.publics {
            return s;
        }
        let s = edit(
            &s,
            "[[taxonomies]]\nname = \"publics\"\npaginate_by = 20\nfeed = true\n\n",
            "",
        );
        edit(&s, "  { name = \"Publics\", url = \"/publics/\" },\n", "")
    };
    paginate(publics(format!(
        r#"# Generated by `cargo run --release -p tremplin-generator --example synth`.
title = {title}
description = {desc}
base_url = "https://exemple.org"
language = "fr"
feed_limit = 20

# Hugo writes an RSS feed for every term: Tremplin writes an Atom feed per term too.
[[taxonomies]]
name = "themes"
paginate_by = 20
feed = true

[[taxonomies]]
name = "publics"
paginate_by = 20
feed = true

[extra]
menu = [
  {{ name = "Accueil", url = "/" }},
  {{ name = "Thèmes", url = "/themes/" }},
  {{ name = "Publics", url = "/publics/" }},
  {{ name = "Emploi", url = "/section-1/" }},
  {{ name = "Formation", url = "/section-2/" }},
  {{ name = "Logement", url = "/section-3/" }},
]
"#,
        title = toml_str(HOME_TITLE),
        desc = toml_str(HOME_DESCRIPTION)
    )))
}

fn hugo_config(args: &Args) -> String {
    let publics = |s: String| {
        if args.publics {
            return s;
        }
        let s = edit(&s, "public = \"publics\"\n", "");
        edit(
            &s,
            "[[menu.main]]\nname = \"Publics\"\nurl = \"/publics/\"\nweight = 3\n",
            "",
        )
    };
    let paginate = |s: String| match args.paginate {
        20 | 0 => s,
        n => edit(&s, "paginate = 20\n", &format!("paginate = {n}\n")),
    };
    paginate(publics(format!(
        r#"# Generated by `cargo run --release -p tremplin-generator --example synth`.
baseURL = "https://exemple.org/"
title = {title}
languageCode = "fr"
defaultContentLanguage = "fr"
paginate = 20
rssLimit = 20
removePathAccents = true
enableRobotsTXT = true

[params]
description = {desc}

[taxonomies]
theme = "themes"
public = "publics"

[markup.goldmark.parser]
# Accents folded in heading ids, as Tremplin does.
autoHeadingIDType = "github-ascii"

[[menu.main]]
name = "Accueil"
url = "/"
weight = 1
[[menu.main]]
name = "Thèmes"
url = "/themes/"
weight = 2
[[menu.main]]
name = "Publics"
url = "/publics/"
weight = 3
[[menu.main]]
name = "Emploi"
url = "/section-1/"
weight = 4
[[menu.main]]
name = "Formation"
url = "/section-2/"
weight = 5
[[menu.main]]
name = "Logement"
url = "/section-3/"
weight = 6
"#,
        title = toml_str(HOME_TITLE),
        desc = toml_str(HOME_DESCRIPTION)
    )))
}

const TREMPLIN_TEMPLATES: &[(&str, &str)] = &[
    (
        "base.html",
        r##"<!DOCTYPE html>
<html lang="{{ config.language }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{% block title %}{{ config.title }}{% endblock title %}</title>
<meta name="description" content="{% block description %}{{ config.description }}{% endblock description %}">
<link rel="canonical" href="{{ current_url | safe }}">
<link rel="alternate" type="application/atom+xml" title="{{ config.title }}" href="{{ get_url(path="atom.xml") | safe }}">
<link rel="stylesheet" href="{{ get_url(path="css/site.css") | safe }}">
</head>
<body>
<a class="evitement" href="#contenu">Aller au contenu</a>
<header class="entete">
<p class="marque"><a href="{{ config.base_url | safe }}/">{{ config.title }}</a></p>
<nav aria-label="Menu principal">
<ul>
{%- for item in config.extra.menu %}
<li><a href="{{ config.base_url | safe }}{{ item.url | safe }}"{% if item.url == current_path %} aria-current="page"{% endif %}>{{ item.name }}</a></li>
{%- endfor %}
</ul>
</nav>
</header>
{% block breadcrumbs %}{% endblock breadcrumbs %}
<main id="contenu">
{% block main %}{% endblock main %}
</main>
<footer class="pied">
<ul>
<li><a href="{{ get_url(path="atom.xml") | safe }}">Fil Atom</a></li>
<li><a href="{{ get_url(path="sitemap.xml") | safe }}">Plan du site</a></li>
</ul>
<p>{{ config.title }} — site de démonstration.</p>
</footer>
</body>
</html>
"##,
    ),
    (
        "macros.html",
        r##"{% macro ariane(ancetres, titre) -%}
<nav class="ariane" aria-label="Fil d'Ariane">
<ol>
{%- for a in ancetres %}
{%- set s = get_section(path=a, metadata_only=true) %}
<li><a href="{{ s.permalink | safe }}">{% if s.path == "/" %}Accueil{% else %}{{ s.title }}{% endif %}</a></li>
{%- endfor %}
<li aria-current="page">{{ titre }}</li>
</ol>
</nav>
{%- endmacro ariane %}

{% macro liste(pages) -%}
<ul class="liste">
{%- for p in pages %}
<li><a href="{{ p.permalink | safe }}">{{ p.title }}</a> <time datetime="{{ p.date }}">{{ p.date | date_fr }}</time>
<p>{{ p.description }}</p></li>
{%- endfor %}
</ul>
{%- endmacro liste %}

{% macro pagination(pg) -%}
{% if pg.number_pagers > 1 -%}
<nav class="pagination" aria-label="Pagination">
<ul>
<li><a href="{{ pg.first | safe }}">Première</a></li>
{% if pg.previous %}<li><a href="{{ pg.previous | safe }}" rel="prev">Précédente</a></li>{% endif %}
<li aria-current="page">Page {{ pg.current_index }} sur {{ pg.number_pagers }}</li>
{% if pg.next %}<li><a href="{{ pg.next | safe }}" rel="next">Suivante</a></li>{% endif %}
<li><a href="{{ pg.last | safe }}">Dernière</a></li>
</ul>
</nav>
{%- endif %}
{%- endmacro pagination %}
"##,
    ),
    (
        "index.html",
        r##"{% extends "base.html" %}
{% block main -%}
<h1>{{ section.title }}</h1>
{{ section.content | safe }}
<h2>Rubriques</h2>
<ul class="rubriques">
{%- for sub in section.subsections %}
{%- set s = get_section(path=sub, metadata_only=true) %}
<li><a href="{{ s.permalink | safe }}">{{ s.title }}</a> — {{ s.description }}</li>
{%- endfor %}
</ul>
{% endblock main %}
"##,
    ),
    (
        "section.html",
        r##"{% extends "base.html" %}
{% import "macros.html" as m %}
{% block title %}{{ section.title }}{% if paginator.current_index > 1 %}, page {{ paginator.current_index }}{% endif %} — {{ config.title }}{% endblock title %}
{% block description %}{{ section.description }}{% endblock description %}
{% block breadcrumbs %}{{ m::ariane(ancetres=section.ancestors, titre=section.title) }}{% endblock breadcrumbs %}
{% block main -%}
<h1>{{ section.title }}</h1>
{% if paginator.current_index == 1 %}{{ section.content | safe }}{% endif %}
{{ m::liste(pages=paginator.pages) }}
{{ m::pagination(pg=paginator) }}
{% endblock main %}
"##,
    ),
    (
        "page.html",
        r##"{% extends "base.html" %}
{% import "macros.html" as m %}
{% block title %}{{ page.title }} — {{ config.title }}{% endblock title %}
{% block description %}{{ page.description }}{% endblock description %}
{% block breadcrumbs %}{{ m::ariane(ancetres=page.ancestors, titre=page.title) }}{% endblock breadcrumbs %}
{% block main -%}
<article>
<h1>{{ page.title }}</h1>
<p class="meta">Publié le <time datetime="{{ page.date }}">{{ page.date | date_fr }}</time> · {{ page.reading_time }} min de lecture</p>
<ul class="etiquettes">
{%- for t in page.taxonomies.themes %}
<li><a href="{{ get_taxonomy_url(kind="themes", name=t) }}">{{ t }}</a></li>
{%- endfor %}
{%- for t in page.taxonomies.publics %}
<li><a href="{{ get_taxonomy_url(kind="publics", name=t) }}">{{ t }}</a></li>
{%- endfor %}
</ul>
{% if page.toc -%}
<nav class="sommaire" aria-label="Sur cette page">
<ul>
{%- for h in page.toc %}
<li><a href="#{{ h.id }}">{{ h.title }}</a></li>
{%- endfor %}
</ul>
</nav>
{% endif -%}
{{ page.content | safe }}
</article>
{% if page.lower or page.higher -%}
<nav class="voisins" aria-label="Pages voisines">
<ul>
{%- if page.lower %}
<li><a href="{{ page.lower.permalink | safe }}" rel="prev">{{ page.lower.title }}</a></li>
{%- endif %}
{%- if page.higher %}
<li><a href="{{ page.higher.permalink | safe }}" rel="next">{{ page.higher.title }}</a></li>
{%- endif %}
</ul>
</nav>
{% endif -%}
{% endblock main %}
"##,
    ),
    (
        "taxonomy_list.html",
        r##"{% extends "base.html" %}
{% import "macros.html" as m %}
{% block title %}{{ taxonomy.name | capitalize }} — {{ config.title }}{% endblock title %}
{% block breadcrumbs %}{{ m::ariane(ancetres=["_index.md"], titre=taxonomy.name | capitalize) }}{% endblock breadcrumbs %}
{% block main -%}
<h1>{{ taxonomy.name | capitalize }}</h1>
<ul class="termes">
{%- for t in terms %}
<li><a href="{{ t.permalink | safe }}">{{ t.name }}</a> ({{ t.page_count }})</li>
{%- endfor %}
</ul>
{% endblock main %}
"##,
    ),
    (
        "taxonomy_single.html",
        r##"{% extends "base.html" %}
{% import "macros.html" as m %}
{% block title %}{{ term.name }}{% if paginator.current_index > 1 %}, page {{ paginator.current_index }}{% endif %} — {{ config.title }}{% endblock title %}
{% block breadcrumbs %}{{ m::ariane(ancetres=["_index.md"], titre=term.name) }}{% endblock breadcrumbs %}
{% block main -%}
<h1>{{ taxonomy.name | capitalize }} : {{ term.name }}</h1>
<p>{{ term.page_count }} pages.</p>
{{ m::liste(pages=paginator.pages) }}
{{ m::pagination(pg=paginator) }}
{% endblock main %}
"##,
    ),
    (
        "404.html",
        r##"{% extends "base.html" %}
{% block title %}Page introuvable — {{ config.title }}{% endblock title %}
{% block main -%}
<h1>Page introuvable</h1>
<p>Cette page n'existe pas. <a href="{{ config.base_url | safe }}/">Retour à l'accueil</a>.</p>
{% endblock main %}
"##,
    ),
];

const HUGO_LAYOUTS: &[(&str, &str)] = &[
    (
        "_default/baseof.html",
        r##"<!DOCTYPE html>
<html lang="{{ site.LanguageCode }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ block "title" . }}{{ site.Title }}{{ end }}</title>
<meta name="description" content="{{ block "description" . }}{{ site.Params.description }}{{ end }}">
<link rel="canonical" href="{{ .Permalink }}">
<link rel="alternate" type="application/rss+xml" title="{{ site.Title }}" href="{{ "index.xml" | absURL }}">
<link rel="stylesheet" href="{{ "css/site.css" | absURL }}">
</head>
<body>
<a class="evitement" href="#contenu">Aller au contenu</a>
<header class="entete">
<p class="marque"><a href="{{ site.BaseURL }}">{{ site.Title }}</a></p>
<nav aria-label="Menu principal">
<ul>
{{- $current := .RelPermalink }}
{{- range site.Menus.main }}
<li><a href="{{ .URL | absURL }}"{{ if eq .URL $current }} aria-current="page"{{ end }}>{{ .Name }}</a></li>
{{- end }}
</ul>
</nav>
</header>
{{ block "breadcrumbs" . }}{{ end }}
<main id="contenu">
{{ block "main" . }}{{ end }}
</main>
<footer class="pied">
<ul>
<li><a href="{{ "index.xml" | absURL }}">Fil RSS</a></li>
<li><a href="{{ "sitemap.xml" | absURL }}">Plan du site</a></li>
</ul>
<p>{{ site.Title }} — site de démonstration.</p>
</footer>
</body>
</html>
"##,
    ),
    (
        "partials/ariane.html",
        r##"<nav class="ariane" aria-label="Fil d'Ariane">
<ol>
{{- range .Ancestors.Reverse }}
<li><a href="{{ .Permalink }}">{{ if .IsHome }}Accueil{{ else }}{{ .Title }}{{ end }}</a></li>
{{- end }}
<li aria-current="page">{{ .Title }}</li>
</ol>
</nav>"##,
    ),
    (
        "partials/liste.html",
        r##"<ul class="liste">
{{- range . }}
<li><a href="{{ .Permalink }}">{{ .Title }}</a> <time datetime="{{ .Date.Format "2006-01-02" }}">{{ .Date | time.Format ":date_long" }}</time>
<p>{{ .Description }}</p></li>
{{- end }}
</ul>"##,
    ),
    (
        "partials/pagination.html",
        r##"{{ if gt .TotalPages 1 -}}
<nav class="pagination" aria-label="Pagination">
<ul>
<li><a href="{{ .First.URL | absURL }}">Première</a></li>
{{ if .HasPrev }}<li><a href="{{ .Prev.URL | absURL }}" rel="prev">Précédente</a></li>{{ end }}
<li aria-current="page">Page {{ .PageNumber }} sur {{ .TotalPages }}</li>
{{ if .HasNext }}<li><a href="{{ .Next.URL | absURL }}" rel="next">Suivante</a></li>{{ end }}
<li><a href="{{ .Last.URL | absURL }}">Dernière</a></li>
</ul>
</nav>
{{- end }}"##,
    ),
    (
        "index.html",
        r##"{{ define "main" -}}
<h1>{{ .Title }}</h1>
{{ .Content }}
<h2>Rubriques</h2>
<ul class="rubriques">
{{- range .Sections }}
<li><a href="{{ .Permalink }}">{{ .Title }}</a> — {{ .Description }}</li>
{{- end }}
</ul>
{{ end }}
"##,
    ),
    (
        "_default/list.html",
        r##"{{ define "title" }}{{ .Title }}{{ if gt .Paginator.PageNumber 1 }}, page {{ .Paginator.PageNumber }}{{ end }} — {{ site.Title }}{{ end }}
{{ define "description" }}{{ .Description }}{{ end }}
{{ define "breadcrumbs" }}{{ partial "ariane.html" . }}{{ end }}
{{ define "main" -}}
<h1>{{ .Title }}</h1>
{{ if eq .Paginator.PageNumber 1 }}{{ .Content }}{{ end }}
{{ partial "liste.html" .Paginator.Pages }}
{{ partial "pagination.html" .Paginator }}
{{ end }}
"##,
    ),
    (
        "_default/single.html",
        r##"{{ define "title" }}{{ .Title }} — {{ site.Title }}{{ end }}
{{ define "description" }}{{ .Description }}{{ end }}
{{ define "breadcrumbs" }}{{ partial "ariane.html" . }}{{ end }}
{{ define "main" -}}
<article>
<h1>{{ .Title }}</h1>
<p class="meta">Publié le <time datetime="{{ .Date.Format "2006-01-02" }}">{{ .Date | time.Format ":date_long" }}</time> · {{ .ReadingTime }} min de lecture</p>
<ul class="etiquettes">
{{- range .GetTerms "themes" }}
<li><a href="{{ .Permalink }}">{{ .LinkTitle }}</a></li>
{{- end }}
{{- range .GetTerms "publics" }}
<li><a href="{{ .Permalink }}">{{ .LinkTitle }}</a></li>
{{- end }}
</ul>
{{ .TableOfContents }}
{{ .Content }}
</article>
{{ if or .PrevInSection .NextInSection -}}
<nav class="voisins" aria-label="Pages voisines">
<ul>
{{- with .NextInSection }}
<li><a href="{{ .Permalink }}" rel="prev">{{ .Title }}</a></li>
{{- end }}
{{- with .PrevInSection }}
<li><a href="{{ .Permalink }}" rel="next">{{ .Title }}</a></li>
{{- end }}
</ul>
</nav>
{{ end -}}
{{ end }}
"##,
    ),
    (
        "_default/taxonomy.html",
        r##"{{ define "title" }}{{ .Title }} — {{ site.Title }}{{ end }}
{{ define "breadcrumbs" }}{{ partial "ariane.html" . }}{{ end }}
{{ define "main" -}}
<h1>{{ .Title }}</h1>
<ul class="termes">
{{- range .Data.Terms.Alphabetical }}
<li><a href="{{ .Page.Permalink }}">{{ .Page.Title }}</a> ({{ .Count }})</li>
{{- end }}
</ul>
{{ end }}
"##,
    ),
    (
        "_default/term.html",
        r##"{{ define "title" }}{{ .Title }}{{ if gt .Paginator.PageNumber 1 }}, page {{ .Paginator.PageNumber }}{{ end }} — {{ site.Title }}{{ end }}
{{ define "breadcrumbs" }}{{ partial "ariane.html" . }}{{ end }}
{{ define "main" -}}
<h1>{{ .Parent.Title }} : {{ .Title }}</h1>
<p>{{ len .Pages }} pages.</p>
{{ partial "liste.html" .Paginator.Pages }}
{{ partial "pagination.html" .Paginator }}
{{ end }}
"##,
    ),
    (
        "404.html",
        r##"{{ define "title" }}Page introuvable — {{ site.Title }}{{ end }}
{{ define "main" -}}
<h1>Page introuvable</h1>
<p>Cette page n'existe pas. <a href="{{ site.BaseURL }}">Retour à l'accueil</a>.</p>
{{ end }}
"##,
    ),
];

/// `text` with `from` replaced by `to`, which must be there (the templates above changed).
fn edit(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "synth: {from:?} not found");
    text.replacen(from, to, 1)
}

/// The templates of one flavour, changed for the options: listings without pagination (all
/// their pages, as a Zola site without `paginate_by` shows them), with summaries, without the
/// `publics` taxonomy.
fn templates(args: &Args, flavour: Flavour) -> Vec<(&'static str, String)> {
    let base = match flavour {
        Flavour::Tremplin => TREMPLIN_TEMPLATES,
        Flavour::Hugo => HUGO_LAYOUTS,
    };
    base.iter()
        .map(|(name, text)| {
            let mut t = text.to_string();
            match (flavour, *name) {
                (Flavour::Tremplin, "section.html" | "taxonomy_single.html") if args.paginate == 0 => {
                    let what = if *name == "section.html" { "section" } else { "term" };
                    t = edit(
                        &t,
                        "{% if paginator.current_index > 1 %}, page {{ paginator.current_index }}{% endif %}",
                        "",
                    );
                    t = edit(
                        &t,
                        "{{ m::liste(pages=paginator.pages) }}\n{{ m::pagination(pg=paginator) }}\n",
                        &format!("{{{{ m::liste(pages={what}.pages) }}}}\n"),
                    );
                    if *name == "section.html" {
                        t = edit(
                            &t,
                            "{% if paginator.current_index == 1 %}{{ section.content | safe }}{% endif %}",
                            "{{ section.content | safe }}",
                        );
                    }
                }
                (Flavour::Tremplin, "macros.html") if args.summaries => {
                    t = edit(
                        &t,
                        "<p>{{ p.description }}</p></li>",
                        "<p>{{ p.description }}</p>\n{% if p.summary %}<div class=\"resume\">{{ p.summary | safe }}</div>{% endif %}</li>",
                    );
                }
                (Flavour::Tremplin, "page.html") if !args.publics => {
                    t = edit(
                        &t,
                        "{%- for t in page.taxonomies.publics %}\n<li><a href=\"{{ get_taxonomy_url(kind=\"publics\", name=t) }}\">{{ t }}</a></li>\n{%- endfor %}\n",
                        "",
                    );
                }
                (Flavour::Hugo, "_default/list.html" | "_default/term.html") if args.paginate == 0 => {
                    t = edit(
                        &t,
                        "{{ if gt .Paginator.PageNumber 1 }}, page {{ .Paginator.PageNumber }}{{ end }}",
                        "",
                    );
                    t = edit(
                        &t,
                        "{{ partial \"liste.html\" .Paginator.Pages }}\n{{ partial \"pagination.html\" .Paginator }}\n",
                        "{{ partial \"liste.html\" .Pages }}\n",
                    );
                    if *name == "_default/list.html" {
                        t = edit(
                            &t,
                            "{{ if eq .Paginator.PageNumber 1 }}{{ .Content }}{{ end }}",
                            "{{ .Content }}",
                        );
                    }
                }
                (Flavour::Hugo, "partials/liste.html") if args.summaries => {
                    t = edit(
                        &t,
                        "<p>{{ .Description }}</p></li>",
                        "<p>{{ .Description }}</p>\n<div class=\"resume\">{{ .Summary }}</div></li>",
                    );
                }
                (Flavour::Hugo, "_default/single.html") if !args.publics => {
                    t = edit(
                        &t,
                        "{{- range .GetTerms \"publics\" }}\n<li><a href=\"{{ .Permalink }}\">{{ .LinkTitle }}</a></li>\n{{- end }}\n",
                        "",
                    );
                }
                _ => {}
            }
            (*name, t)
        })
        .collect()
}

fn write(path: &Path, text: &str) -> io::Result<()> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)?;
    }
    let mut f = io::BufWriter::new(fs::File::create(path)?);
    f.write_all(text.as_bytes())?;
    f.flush()
}

/// Removes what an earlier run generated (only the folders this program writes).
fn clean(dir: &Path, subdirs: &[&str]) -> io::Result<()> {
    for sub in subdirs {
        let p = dir.join(sub);
        if p.exists() {
            fs::remove_dir_all(&p)?;
        }
    }
    Ok(())
}

struct Args {
    pages: usize,
    sections: usize,
    seed: u64,
    out: PathBuf,
    /// Terms of the `themes` taxonomy.
    themes: usize,
    /// Distinct themes per page, from..=to; `None`: one, and a second half of the time.
    themes_per_page: Option<(usize, usize)>,
    /// Whether pages have the `publics` taxonomy.
    publics: bool,
    /// Pages per listing page; 0: listings are not paginated.
    paginate: usize,
    /// Listings show each listed page's summary.
    summaries: bool,
}

const USAGE: &str = "usage : synth --out DIR [--pages 10000] [--sections 20] [--seed 42] \
[--themes 8] [--themes-per-page LO-HI] [--no-publics] [--paginate 20] [--summaries] \
[--shape taxonomies]";

fn parse_args() -> Result<Args, String> {
    let mut pages = 10_000;
    let mut sections = 20;
    let mut seed = 42;
    let mut out = None;
    let mut themes = THEMES.len();
    let mut themes_per_page = None;
    let mut publics = true;
    let mut paginate = 20;
    let mut summaries = false;
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = |name: &str| it.next().ok_or_else(|| format!("{name} attend une valeur"));
        match a.as_str() {
            "--shape" => match value("--shape")?.as_str() {
                "taxonomies" => {
                    sections = 100;
                    themes = 8;
                    themes_per_page = Some((2, 3));
                    publics = false;
                    paginate = 0;
                }
                other => return Err(format!("--shape : forme inconnue « {other} » (taxonomies)")),
            },
            "--themes" => {
                themes = value("--themes")?
                    .parse()
                    .map_err(|e| format!("--themes : {e}"))?
            }
            "--themes-per-page" => {
                let v = value("--themes-per-page")?;
                let (lo, hi) = v.split_once('-').unwrap_or((&v, &v));
                let parse = |x: &str| {
                    x.parse::<usize>()
                        .map_err(|e| format!("--themes-per-page : {e}"))
                };
                themes_per_page = Some((parse(lo)?, parse(hi)?));
            }
            "--no-publics" => publics = false,
            "--paginate" => {
                paginate = value("--paginate")?
                    .parse()
                    .map_err(|e| format!("--paginate : {e}"))?
            }
            "--summaries" => summaries = true,
            "--pages" => {
                pages = value("--pages")?
                    .parse()
                    .map_err(|e| format!("--pages : {e}"))?
            }
            "--sections" => {
                sections = value("--sections")?
                    .parse()
                    .map_err(|e| format!("--sections : {e}"))?
            }
            "--seed" => {
                seed = value("--seed")?
                    .parse()
                    .map_err(|e| format!("--seed : {e}"))?
            }
            "--out" => out = Some(PathBuf::from(value("--out")?)),
            "-h" | "--help" => return Err(USAGE.to_string()),
            other => return Err(format!("argument inconnu « {other} » (voir --help)")),
        }
    }
    let out = out.ok_or("--out DIR est obligatoire")?;
    if pages < 2 || sections == 0 || sections > pages {
        return Err(
            "il faut au moins 2 pages et entre 1 section et une section par page".to_string(),
        );
    }
    if themes == 0 {
        return Err("--themes : il faut au moins un thème".to_string());
    }
    if let Some((lo, hi)) = themes_per_page {
        if lo == 0 || lo > hi || hi > themes {
            return Err(format!(
                "--themes-per-page : entre 1 et {themes} thèmes, le plus petit nombre d'abord"
            ));
        }
    }
    Ok(Args {
        pages,
        sections,
        seed,
        out,
        themes,
        themes_per_page,
        publics,
        paginate,
        summaries,
    })
}

fn main() {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    if let Err(e) = run(&args) {
        eprintln!("synth : {e}");
        std::process::exit(1);
    }
}

fn run(args: &Args) -> io::Result<()> {
    let started = std::time::Instant::now();
    let tremplin = args.out.join("tremplin");
    let hugo = args.out.join("hugo");
    clean(&tremplin, &["content", "templates", "public"])?;
    clean(&hugo, &["content", "layouts", "public", "resources"])?;

    let infos: Vec<PageInfo> = (0..args.pages)
        .map(|i| page_info(args.seed, i, args.pages, args.sections))
        .collect();

    // Configuration and templates.
    write(&tremplin.join("tremplin.toml"), &tremplin_config(args))?;
    for (name, text) in templates(args, Flavour::Tremplin) {
        write(&tremplin.join("templates").join(name), &text)?;
    }
    write(&hugo.join("config.toml"), &hugo_config(args))?;
    for (name, text) in templates(args, Flavour::Hugo) {
        write(&hugo.join("layouts").join(name), &text)?;
    }
    let themes: Vec<String> = (0..args.themes)
        .map(|i| match THEMES.get(i) {
            Some(t) => t.to_string(),
            None => format!("thème {}", i + 1),
        })
        .collect();

    // Home and sections.
    let mut rng = Rng::new(args.seed);
    let home_body = paragraph(&mut rng, 80);
    let front = format!(
        "+++\ntitle = {}\ndescription = {}\n+++\n\n",
        toml_str(HOME_TITLE),
        toml_str(HOME_DESCRIPTION)
    );
    for root in [&tremplin, &hugo] {
        write(
            &root.join("content/_index.md"),
            &format!("{front}{home_body}\n"),
        )?;
    }
    for n in 1..=args.sections {
        let seed = args.seed ^ (n as u64) << 40;
        write(
            &tremplin.join(format!("content/section-{n}/_index.md")),
            &section_index(args, Flavour::Tremplin, n, &mut Rng::new(seed)),
        )?;
        write(
            &hugo.join(format!("content/section-{n}/_index.md")),
            &section_index(args, Flavour::Hugo, n, &mut Rng::new(seed)),
        )?;
    }

    // Pages.
    let mut bytes = 0usize;
    for (i, info) in infos.iter().enumerate() {
        let text = page_text(args, i, &infos, &themes);
        let rel = info.rel();
        let t = render_page(args, Flavour::Tremplin, info, &text, &infos);
        bytes += t.len();
        write(&tremplin.join("content").join(&rel), &t)?;
        write(
            &hugo.join("content").join(&rel),
            &render_page(args, Flavour::Hugo, info, &text, &infos),
        )?;
    }
    eprintln!(
        "{} pages en {} sections écrites pour Tremplin ({}) et Hugo ({}) : {:.1} Mo de Markdown par site, en {:.1} s.",
        args.pages,
        args.sections,
        tremplin.display(),
        hugo.display(),
        bytes as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_fold_accents() {
        assert_eq!(slug("Étape rendez-vous été"), "etape-rendez-vous-ete");
    }
}
