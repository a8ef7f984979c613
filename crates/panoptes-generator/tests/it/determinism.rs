use panoptes_eventstore::arrow::array::Array;
use panoptes_generator::{GeneratorConfig, generate_tenant_day, tenants};

fn config(seed: u64) -> GeneratorConfig {
    GeneratorConfig {
        seed,
        tenants: 3,
        devices: 6,
        days: 2,
        rate: 40,
        end_ns: 1_795_132_800_000_000_000, // 2026-11-19T12:00:00Z
        attacks: true,
        threads: 1,
    }
}

const DAY: i64 = 86_400_000_000_000;

#[test]
fn the_same_seed_gives_the_same_rows_and_another_seed_other_rows() {
    let a = config(7);
    let tenant = &tenants(&a)[1];
    let day = a.end_ns.div_euclid(DAY) * DAY - DAY;
    let (first, _) = generate_tenant_day(&a, tenant, day).expect("generates");
    let (second, _) = generate_tenant_day(&a, tenant, day).expect("generates");
    assert_eq!(first, second);
    let b = config(8);
    let other = &tenants(&b)[1];
    let (third, _) = generate_tenant_day(&b, other, day).expect("generates");
    assert_ne!(first, third);
}

#[test]
fn tenants_are_apart_and_every_device_table_is_filled() {
    let c = config(1);
    let all = tenants(&c);
    assert_eq!(all.len(), 3);
    let mut ids: Vec<String> = all.iter().map(|t| t.id.to_string()).collect();
    ids.dedup();
    assert_eq!(ids.len(), 3, "tenant ids are unique: {ids:?}");
    for t in &all {
        assert!(t.devices.iter().all(|d| d.name.ends_with(&t.domain)), "devices belong to their tenant's domain");
    }
    let day = c.end_ns.div_euclid(DAY) * DAY - DAY;
    let (batches, _) = generate_tenant_day(&c, &all[0], day).expect("generates");
    let tables: Vec<&str> = batches.iter().map(|(t, _)| *t).collect();
    for table in [
        "DeviceProcessEvents",
        "DeviceNetworkEvents",
        "DeviceLogonEvents",
        "DeviceFileEvents",
        "DeviceRegistryEvents",
        "DeviceImageLoadEvents",
        "DeviceEvents",
        "DeviceInfo",
        "DeviceNetworkInfo",
        "EmailEvents",
        "IdentityLogonEvents",
        "IdentityInfo",
    ] {
        assert!(tables.contains(&table), "{table} has rows; got {tables:?}");
    }
    let (_, process) = batches.iter().find(|(t, _)| *t == "DeviceProcessEvents").expect("process rows");
    // Roughly `rate` process events per device, and the fields hunts use are filled.
    assert!(process.num_rows() >= 6 * 40, "{} rows", process.num_rows());
    for column in ["FileName", "ProcessCommandLine", "InitiatingProcessFileName", "SHA256", "AccountName"] {
        let index = process.schema().index_of(column).expect("column");
        assert_eq!(process.column(index).null_count(), 0, "{column} is filled");
    }
}
