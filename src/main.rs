//! The `shoplab` command line.

fn main() -> anyhow::Result<()> {
    Ok(())
}
