//! How personal data shows in lists: enough to tell rows apart, not enough to
//! identify the person. Counted in characters, never bytes (Chinese names).

/// 张三丰 → 张**, 欧阳娜娜 → 欧***: the first character only. A one-character
/// name would be shown whole by that rule, so it is masked entirely.
pub fn mask_name(name: &str) -> String {
    let name = name.trim();
    let mut chars = name.chars();
    match (chars.next(), chars.count()) {
        (None, _) => String::new(),
        (Some(_), 0) => "*".into(),
        (Some(first), rest) => format!("{first}{}", "*".repeat(rest)),
    }
}

/// 138****5678: how a phone number shows in lists. Shorter numbers (a landline
/// without its area code) keep only the last four, and anything under eight
/// characters is masked entirely, so that at least four characters stay hidden.
pub fn mask_phone(p: &str) -> String {
    let chars: Vec<char> = p.trim().chars().collect();
    let n = chars.len();
    let tail = |k: usize| chars[n - k..].iter().collect::<String>();
    match n {
        0..8 => "*".repeat(n),
        8..11 => format!("****{}", tail(4)),
        _ => format!("{}****{}", chars[..3].iter().collect::<String>(), tail(4)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for (name, shown) in [
            ("张三丰", "张**"),
            ("欧阳娜娜", "欧***"),
            ("张三", "张*"),
            ("买买提·艾力", "买*****"),
            (" 李四 ", "李*"),
            ("Zoë", "Z**"),
            ("张", "*"),
            ("", ""),
            ("  ", ""),
        ] {
            assert_eq!(mask_name(name), shown, "{name:?}");
        }
    }

    #[test]
    fn phones() {
        for (phone, shown) in [
            ("13839805678", "138****5678"),
            ("0398-2812345", "039****2345"),
            ("１３８３９８０５６７８", "１３８****５６７８"),
            (" 13839805678 ", "138****5678"),
            ("28123456", "****3456"),
            ("1234567", "*******"),
            ("123", "***"),
            ("", ""),
        ] {
            assert_eq!(mask_phone(phone), shown, "{phone:?}");
        }
    }
}
