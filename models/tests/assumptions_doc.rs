//! docs/assumptions.md shows the assumption table as the code has it: the table between its
//! markers is rendered from [`kendall_models::ASSUMPTIONS`] and must match. Run with
//! `KENDALL_UPDATE_DOCS=1` to rewrite it after changing the table.

use std::path::Path;

use kendall_models::{ASSUMPTIONS, Admitted};

const BEGIN: &str = "<!-- table: generated from models/src/assumptions.rs -->";
const END: &str = "<!-- end of table -->";

fn render() -> String {
    let mut out = String::from("| model | kind | admits | may ignore (as an approximation) |\n");
    out.push_str("|---|---|---|---|\n");
    for row in ASSUMPTIONS {
        let admits: Vec<String> = row
            .admits
            .iter()
            .map(|a| match a {
                Admitted::Assumed(f) => f.describe().to_string(),
                Admitted::Extended(f, why) => format!("{} — *extension:* {why}", f.describe()),
            })
            .collect();
        let ignores: Vec<String> = row
            .ignores
            .iter()
            .map(|(f, what)| format!("{}: {what}", f.describe()))
            .collect();
        let cell = |v: Vec<String>| {
            if v.is_empty() {
                "—".to_string()
            } else {
                v.join("<br>")
            }
        };
        out.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            row.model.name(),
            if row.exact { "exact" } else { "approximation" },
            cell(admits),
            cell(ignores)
        ));
    }
    out
}

#[test]
fn docs_show_the_table_the_code_has() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/assumptions.md");
    let text = std::fs::read_to_string(&path).expect("docs/assumptions.md");
    let start = text.find(BEGIN).expect("begin marker") + BEGIN.len();
    let end = text.find(END).expect("end marker");
    let table = render();
    if std::env::var_os("KENDALL_UPDATE_DOCS").is_some() {
        let new = format!("{}\n{table}{}", &text[..start], &text[end..]);
        std::fs::write(&path, new).unwrap();
        return;
    }
    assert_eq!(
        text[start..end].trim(),
        table.trim(),
        "docs/assumptions.md is out of date: run with KENDALL_UPDATE_DOCS=1"
    );
}
