//! The rows Excel hides (by hand or by a filter), which calamine's cells do
//! not tell: read from each sheet's XML, streaming, so a big sheet costs no
//! memory. The caller has checked the file's unpacked size already.

use std::collections::HashMap;
use std::io::{BufReader, Cursor, Read};

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use zip::ZipArchive;

use crate::kernel::error::{AppError, AppResult};

fn bad_file<E>(_: E) -> AppError {
    AppError::BadRequest("roster.bad_file")
}

/// The value of attribute `name` (its local name: `r:id` is `id`).
fn attr(e: &BytesStart<'_>, name: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == name)
        .and_then(|a| quick_xml::escape::unescape(&a.value).ok().map(|v| v.into_owned()))
}

/// Calls `f` on every element start of an XML entry.
fn each_element(r: impl Read, mut f: impl FnMut(&BytesStart<'_>)) -> AppResult<()> {
    let mut reader = Reader::from_reader(BufReader::new(r));
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf).map_err(bad_file)? {
            Event::Start(e) | Event::Empty(e) => f(&e),
            Event::Eof => return Ok(()),
            _ => {}
        }
        buf.clear();
    }
}

/// The hidden rows (Excel's 1-based numbers) of each sheet, by sheet name.
pub fn hidden_rows(bytes: &[u8]) -> AppResult<HashMap<String, Vec<u32>>> {
    let mut zip = ZipArchive::new(Cursor::new(bytes)).map_err(bad_file)?;
    // Sheet names → relationship ids → the sheets' XML parts.
    let mut sheets: Vec<(String, String)> = Vec::new();
    each_element(zip.by_name("xl/workbook.xml").map_err(bad_file)?, |e| {
        if e.local_name().as_ref() == "sheet"
            && let (Some(name), Some(id)) = (attr(e, "name"), attr(e, "id"))
        {
            sheets.push((name, id));
        }
    })?;
    let mut targets: HashMap<String, String> = HashMap::new();
    each_element(zip.by_name("xl/_rels/workbook.xml.rels").map_err(bad_file)?, |e| {
        if let (Some(id), Some(target)) = (attr(e, "Id"), attr(e, "Target")) {
            let path = match target.strip_prefix('/') {
                Some(abs) => abs.to_string(),
                None => format!("xl/{target}"),
            };
            targets.insert(id, path);
        }
    })?;
    let mut out = HashMap::new();
    for (name, id) in sheets {
        let Some(path) = targets.get(&id) else { continue };
        let Ok(part) = zip.by_name(path) else { continue };
        let mut hidden = Vec::new();
        let mut last = 0u32;
        each_element(part, |e| {
            if e.local_name().as_ref() != "row" {
                return;
            }
            // `r` may be left out: the row after the previous one.
            last = attr(e, "r").and_then(|r| r.parse().ok()).unwrap_or(last + 1);
            if attr(e, "hidden").is_some_and(|h| h == "1" || h == "true") {
                hidden.push(last);
            }
        })?;
        out.insert(name, hidden);
    }
    Ok(out)
}
