//! What `configurations` add to the transformers whose kustomize defaults platc runs as
//! code (namespaces, name prefixes and suffixes, images): the field specs a configuration
//! adds, in the objects they select. Checked against `kubectl kustomize`: a namespace is
//! set, created where the spec says `create`, whatever the object's scope; a prefix or
//! suffix is added to the text there (a number's text too; `create` writes the prefix
//! alone); an image there is renamed as in containers (never created). A field that is a
//! map or a list is kustomize's error.

use serde_json::Value;

use super::config::{FieldSpec, each_field};

/// The added `namespace` specs. Those about the object's own name or namespace are run
/// as code with their special cases: one added there is left to kustomize.
pub(super) fn namespace(
    specs: &[&FieldSpec],
    namespace: &str,
    objects: &mut [Value],
) -> Option<()> {
    if specs
        .iter()
        .any(|s| s.path.first().is_some_and(|p| p == "metadata"))
    {
        return None;
    }
    for o in objects.iter_mut() {
        let selected: Vec<_> = specs.iter().filter(|s| s.selects(o)).collect();
        for spec in selected {
            each_field(o, &spec.path, spec.create, &mut |slot| match slot {
                Value::String(_) | Value::Number(_) | Value::Bool(_) => {
                    *slot = Value::String(namespace.to_string());
                    Some(())
                }
                _ => None,
            })?;
        }
    }
    Some(())
}

/// The added `namePrefix` or `nameSuffix` specs of the objects kustomize renames
/// (`renamed`), each field's text made `new(text)`. A second spec for `metadata/name`, or
/// two specs that could meet in one field, would rename twice: left to kustomize.
pub(super) fn affix(
    specs: &[&FieldSpec],
    objects: &mut [Value],
    renamed: impl Fn(&Value) -> bool,
    new: impl Fn(&str) -> String,
) -> Option<()> {
    let owned: Vec<FieldSpec> = specs.iter().map(|s| (*s).clone()).collect();
    if super::config::overlapping(&owned) || owned.iter().any(|s| s.path == ["metadata", "name"]) {
        return None;
    }
    for o in objects.iter_mut() {
        if !renamed(o) {
            continue;
        }
        let selected: Vec<_> = specs.iter().filter(|s| s.selects(o)).collect();
        for spec in selected {
            each_field(o, &spec.path, spec.create, &mut |slot| {
                // A number keeps its spelling in kustomize (`p-1.50`, `p-0x1F`), which
                // platc no longer has once read: left to kustomize.
                let text = match slot {
                    Value::String(s) => s.clone(),
                    _ => return None,
                };
                *slot = Value::String(new(&text));
                Some(())
            })?;
        }
    }
    Some(())
}

/// The added `images` specs: the image named there, renamed or retagged.
pub(super) fn images(
    specs: &[&FieldSpec],
    image: &super::Image,
    objects: &mut [Value],
) -> Option<()> {
    // kustomize's image filter leaves CustomResourceDefinitions alone.
    let crd = |o: &Value| o["kind"] == "CustomResourceDefinition";
    for o in objects.iter_mut().filter(|o| !crd(o)) {
        let selected: Vec<_> = specs.iter().filter(|s| s.selects(o)).collect();
        for spec in selected {
            each_field(o, &spec.path, false, &mut |slot| match slot {
                Value::String(reference) => {
                    if let Some(new) = super::retagged(reference, image) {
                        *reference = new;
                    }
                    Some(())
                }
                Value::Null => Some(()),
                _ => None,
            })?;
        }
    }
    Some(())
}
