//! Windows event XML as it travels inside other records: Sentinel's `SecurityEvent.EventData`
//! (`<EventData><Data Name="…">…</Data></EventData>`) and Sysmon for Linux in `Syslog`
//! messages (a whole `<Event><System>…</System><EventData>…</EventData></Event>`).

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use serde_json::{Map, Value as Json};

/// The parts of an event document: `System` children by name (the `TimeCreated` element's
/// `SystemTime` attribute as `TimeCreated`), and the named `Data` values.
#[derive(Debug, Default)]
pub(super) struct XmlEvent {
    pub(super) system: Map<String, Json>,
    pub(super) data: Map<String, Json>,
}

/// Parses event XML; `None` when it is not well-formed.
pub(super) fn parse(text: &str) -> Option<XmlEvent> {
    let text = escape_stray_ampersands(text);
    let mut reader = Reader::from_str(&text);
    let mut event = XmlEvent::default();
    let mut path: Vec<String> = Vec::new();
    // The element whose text is being read, and where it goes.
    let mut open: Option<(bool, String)> = None;
    let mut value = String::new();
    loop {
        match reader.read_event().ok()? {
            Event::Start(start) => {
                let name = local_name(&start);
                open = target(&path, &name, &start);
                value.clear();
                path.push(name);
            }
            Event::Empty(start) => {
                let name = local_name(&start);
                if path.last().is_some_and(|p| p == "System") && name == "TimeCreated" {
                    if let Some(time) = attribute(&start, "SystemTime") {
                        event.system.insert(name, Json::String(time));
                    }
                } else if let Some((true, key)) = target(&path, &name, &start) {
                    event.data.insert(key, Json::String(String::new()));
                }
            }
            Event::Text(text) if open.is_some() => value.push_str(&text.decode().ok()?),
            Event::GeneralRef(reference) if open.is_some() => value.push_str(&resolve(&reference.decode().ok()?)?),
            Event::CData(data) if open.is_some() => value.push_str(&String::from_utf8_lossy(&data)),
            Event::End(_) => {
                path.pop();
                if let Some((is_data, key)) = open.take() {
                    let map = if is_data { &mut event.data } else { &mut event.system };
                    map.insert(key, Json::String(std::mem::take(&mut value)));
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Some(event)
}

/// Sysmon for Linux writes `&lt unknown process&gt ` (no semicolons): an `&` that does not
/// start a reference is taken literally rather than failing the whole event.
fn escape_stray_ampersands(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains('&') {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let name_len = after.find(|c: char| !(c.is_ascii_alphanumeric() || c == '#')).unwrap_or(after.len());
        let is_reference = name_len > 0 && after[name_len..].starts_with(';');
        out.push_str(if is_reference { "&" } else { "&amp;" });
        rest = after;
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
}

/// Where an element's text goes: `(true, name)` for a named `Data` value, `(false, name)` for
/// a `System` child; `None` for anything else.
fn target(path: &[String], name: &str, start: &BytesStart<'_>) -> Option<(bool, String)> {
    let parent = path.last().map(String::as_str);
    if name == "Data" {
        return attribute(start, "Name").map(|key| (true, key));
    }
    (parent == Some("System")).then(|| (false, name.to_string()))
}

fn local_name(start: &BytesStart<'_>) -> String {
    String::from_utf8_lossy(start.local_name().as_ref()).into_owned()
}

fn attribute(start: &BytesStart<'_>, name: &str) -> Option<String> {
    start.attributes().flatten().find(|a| a.key.local_name().as_ref() == name.as_bytes()).and_then(|a| {
        let raw = String::from_utf8_lossy(&a.value).into_owned();
        quick_xml::escape::unescape(&raw).ok().map(|v| v.into_owned())
    })
}

/// An entity or character reference (`amp`, `#x41`) as text.
fn resolve(name: &str) -> Option<String> {
    quick_xml::escape::unescape(&format!("&{name};")).ok().map(|v| v.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentinel_event_data_gives_its_named_values() {
        let xml = "<EventData xmlns=\"http://schemas.microsoft.com/win/2004/08/events/event\">\r\n  \
                   <Data Name=\"ProcessID\">3936</Data>\r\n  <Data Name=\"Application\">\\device\\a&amp;b.exe</Data>\
                   <Data Name=\"Empty\" /></EventData>";
        let event = parse(xml).expect("well-formed");
        assert_eq!(event.data["ProcessID"], "3936");
        assert_eq!(event.data["Application"], "\\device\\a&b.exe");
        assert_eq!(event.data["Empty"], "");
    }

    #[test]
    fn a_whole_event_gives_system_fields_and_data() {
        let xml = "<Event><System><Provider Name=\"Linux-Sysmon\"/><EventID>1</EventID>\
                   <TimeCreated SystemTime=\"2022-05-11T18:10:20.399931000Z\"/><EventRecordID>7</EventRecordID>\
                   <Channel>Linux-Sysmon/Operational</Channel><Computer>UBUNTU5</Computer></System>\
                   <EventData><Data Name=\"Image\">/usr/bin/bash</Data><Data Name=\"CommandLine\">bash -c \"id\"</Data>\
                   </EventData></Event>";
        let event = parse(xml).expect("well-formed");
        assert_eq!(event.system["EventID"], "1");
        assert_eq!(event.system["Channel"], "Linux-Sysmon/Operational");
        assert_eq!(event.system["TimeCreated"], "2022-05-11T18:10:20.399931000Z");
        assert_eq!(event.data["CommandLine"], "bash -c \"id\"");
        assert!(parse("<Event><System></Event>").is_none(), "mismatched end tags are not well-formed");
        let stray =
            parse("<EventData><Data Name=\"Image\">&lt unknown process&gt </Data></EventData>").expect("lenient");
        assert_eq!(stray.data["Image"], "&lt unknown process&gt ");
    }
}
