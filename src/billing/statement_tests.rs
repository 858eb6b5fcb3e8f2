use super::*;

fn read(bytes: &[u8]) -> (Parser, Vec<Document>) {
    let mut p = Parser::new();
    let mut docs = Vec::new();
    for line in bytes.split(|b| *b == b'\n') {
        if let Some(d) = p.feed(line) {
            docs.push(d);
        }
    }
    p.finish();
    (p, docs)
}

const SAMPLE: &str = "1CClientBankExchange\nВерсияФормата=1.02\nКодировка=Windows\nОтправитель=Бухгалтерия\nНеизвестныйКлюч=что-то\nДатаНачала=01.03.2026\nДатаКонца=31.03.2026\nРасчСчет=40702810138250123017\nСекцияРасчСчет\nНачальныйОстаток=0.00\nКонецРасчСчет\nСекцияДокумент=Платежное поручение\nСумма=15000\nДата=05.03.2026\nНомер=512\nПлательщикИНН=7700123459\nПлательщик=ООО «Ромашка-Строй»\nПлательщикСчет=40702810900000000001\nПолучательСчет=40702810138250123017\nДатаПоступило=06.03.2026\nНазначениеПлатежа=\nНазначениеПлатежа1=Членский взнос за I кв. 2026 г.\nНазначениеПлатежа2=Без НДС\nКонецДокумента\nСекцияДокумент=Платежное поручение\nНомер=13\nДата=07.03.2026\nСумма=1500.5\nПлательщикИНН=5000987650\nПолучательСчет=40702810138250123017\nДатаПоступило=07.03.2026\nНазначениеПлатежа=Взнос в КФ ВВ\nКонецДокумента\nКонецФайла\n";

#[test]
fn both_encodings_and_line_ends_read_the_same() {
    let mut seen = Vec::new();
    for (enc, bytes) in [
        (
            "1251",
            encoding_rs::WINDOWS_1251.encode(SAMPLE).0.into_owned(),
        ),
        (
            "866",
            encoding_rs::IBM866
                .encode(&SAMPLE.replace("Windows", "DOS").replace(['«', '»'], "\""))
                .0
                .into_owned(),
        ),
        (
            "1251 crlf",
            encoding_rs::WINDOWS_1251
                .encode(&SAMPLE.replace('\n', "\r\n"))
                .0
                .into_owned(),
        ),
        ("utf-8", SAMPLE.as_bytes().to_vec()),
    ] {
        let (p, docs) = read(&bytes);
        assert!(p.problems.is_empty(), "{enc}: {:?}", p.problems);
        assert_eq!(docs.len(), 2, "{enc}");
        assert_eq!(docs[0].number, "512");
        assert_eq!(docs[0].amount, 15_000_00, "amount without kopecks");
        assert_eq!(docs[1].amount, 1_500_50, "amount with one digit of kopecks");
        let payer = if enc == "866" {
            "ООО \"Ромашка-Строй\""
        } else {
            "ООО «Ромашка-Строй»"
        };
        assert_eq!(docs[0].payer, payer, "{enc}");
        assert_eq!(docs[0].purpose, "Членский взнос за I кв. 2026 г. Без НДС");
        assert_eq!(docs[0].credited_on, NaiveDate::from_ymd_opt(2026, 3, 6));
        assert_eq!(docs[0].line, 12);
        assert_eq!(p.header.version, "1.02");
        seen.push(docs[0].dedup_key());
    }
    assert!(
        seen.windows(2).all(|w| w[0] == w[1]),
        "one key in every encoding"
    );
    let (p, _) = read(
        &encoding_rs::IBM866
            .encode(&SAMPLE.replace("Windows", "DOS").replace(['«', '»'], "\""))
            .0,
    );
    assert_eq!(p.encoding(), Encoding::Dos);
}

#[test]
fn a_cut_or_foreign_file_is_reported_with_line_numbers() {
    let cut = &SAMPLE[..SAMPLE.find("КонецДокумента").unwrap()];
    let (p, docs) = read(cut.as_bytes());
    assert!(docs.is_empty());
    assert_eq!(p.problems.len(), 1);
    assert_eq!(p.problems[0].line, 12);
    assert!(p.problems[0].message.contains("оборван"));

    let (p, _) = read("Выписка\nСумма=1\n".as_bytes());
    assert!(p.fatal());
    assert_eq!(p.problems[0].line, 1);

    let bad = SAMPLE
        .replace("Сумма=15000", "Сумма=15 000 руб")
        .replace("Дата=07.03.2026", "Дата=2026-03-07");
    let (p, docs) = read(bad.as_bytes());
    assert!(docs.is_empty());
    let lines: Vec<usize> = p.problems.iter().map(|p| p.line).collect();
    assert_eq!(lines, [13, 27], "{:?}", p.problems);

    let (p, _) = read(
        SAMPLE
            .replace("КонецРасчСчет\n", "КонецРасчСчет\nмусор\n")
            .as_bytes(),
    );
    assert_eq!(p.problems[0].line, 12);

    let (p, _) = read(b"");
    assert!(!p.problems.is_empty());
}

#[test]
fn composed_statements_read_back() {
    let d = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
    let docs = vec![(
        "7".to_string(),
        d,
        12_345_67,
        "ООО «Вектор»".to_string(),
        "5000987650".to_string(),
        "40702810900000000002".to_string(),
        "Оплата по счету СЧ-1/26".to_string(),
    )];
    for enc in [Encoding::Windows, Encoding::Dos] {
        for crlf in [true, false] {
            let (p, got) = read(&compose(enc, crlf, "40702810138250123017", &docs));
            assert!(p.problems.is_empty(), "{:?}", p.problems);
            assert_eq!(p.encoding(), enc);
            assert_eq!(got[0].amount, 12_345_67);
            let payer = if enc == Encoding::Dos {
                "ООО \"Вектор\""
            } else {
                "ООО «Вектор»"
            };
            assert_eq!(got[0].payer, payer);
        }
    }
}
