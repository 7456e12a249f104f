//! The runner's generated datasets record their run (`nhikit_dataset::RunSpec`) in the
//! manifest: `nhikit verify` regenerates every record, for either profile.

use nhikit_conform::data::generate_profile;
use nhikit_dataset::{RunSpec, VerifyOptions, verify};
use nhikit_synth::Profile;

#[test]
fn generated_scenario_data_verifies() {
    let schema = nhikit_schema::embedded().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    for profile in [Profile::Realistic, Profile::Edge] {
        let dir = tmp.path().join(profile.name());
        generate_profile(&dir, 3, 40, &["131016".into(), "271004".into()], profile).unwrap();
        let manifest = nhikit_io::Manifest::read(&dir).unwrap();
        let spec = RunSpec::regenerable(&manifest, &dir.join("manifest.json")).unwrap();
        assert_eq!((spec.seed, spec.households), (3, 40));
        assert_eq!(spec.extras.profile, profile);
        let report = verify(&dir, &schema, &VerifyOptions::default()).unwrap();
        assert!(report.is_ok(), "{profile:?}: {:#?}", report.findings);
        assert!(report.records_regenerated > 3 * 40, "{report:?}");
    }
}
