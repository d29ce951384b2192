// New migration folders are embedded by `embed_migrations!` only when the crate is
// rebuilt; tell cargo that the migrations (and translations) are inputs.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
    println!("cargo:rerun-if-changed=locales");
}
