//! Deserialize typed models (the platform spec, config files) straight from the positioned
//! tree, so that every error points at the node that caused it.

use std::fmt;

use serde::de::{
    self, DeserializeSeed, Error as _, IntoDeserializer, MapAccess, SeqAccess, Visitor,
};

use super::node::{Node, Span, Value, format_float};
use crate::suggest::did_you_mean;

/// A deserialization error with the span of the node it is about.
#[derive(Debug, Clone, PartialEq)]
pub struct DeError {
    pub message: String,
    pub help: Option<String>,
    pub span: Option<Span>,
}

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        DeError {
            message: msg.to_string(),
            help: None,
            span: None,
        }
    }

    fn unknown_field(field: &str, expected: &'static [&'static str]) -> Self {
        let help = match did_you_mean(field, expected.iter().copied()) {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!("known fields: {}", expected.join(", ")),
        };
        DeError {
            message: format!("unknown field `{field}`"),
            help: Some(help),
            span: None,
        }
    }

    fn unknown_variant(variant: &str, expected: &'static [&'static str]) -> Self {
        let help = match did_you_mean(variant, expected.iter().copied()) {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!("expected one of: {}", expected.join(", ")),
        };
        DeError {
            message: format!("unknown value `{variant}`"),
            help: Some(help),
            span: None,
        }
    }

    fn invalid_type(unexpected: de::Unexpected<'_>, exp: &dyn de::Expected) -> Self {
        DeError::custom(format_args!("expected {exp}, found {unexpected}"))
    }
}

/// Deserialize `T` from a node.
pub fn from_node<'de, T: serde::Deserialize<'de>>(node: &'de Node) -> Result<T, DeError> {
    T::deserialize(NodeDe(node))
}

/// A deserializer for one node.
#[derive(Clone, Copy)]
pub struct NodeDe<'de>(pub &'de Node);

impl<'de> NodeDe<'de> {
    /// Errors that surface while this node is deserialized get this node's span unless a
    /// deeper node already claimed them.
    fn locate<T>(self, result: Result<T, DeError>) -> Result<T, DeError> {
        result.map_err(|mut e| {
            e.span.get_or_insert(self.0.span);
            if e.help.is_none() {
                e.help = type_help(self.0, &e.message);
            }
            e
        })
    }
}

/// The hint people need most: YAML read their value as something else.
fn type_help(node: &Node, message: &str) -> Option<String> {
    if !message.starts_with("expected a string") && !message.contains("expected a string") {
        return None;
    }
    match &node.value {
        Value::Float(f) => Some(format!(
            "YAML reads this as the number {}; put it in quotes to keep it as text",
            format_float(*f)
        )),
        Value::Int(_) | Value::UInt(_) => {
            Some("YAML reads this as a number; put it in quotes to keep it as text".into())
        }
        Value::Bool(b) => Some(format!(
            "YAML 1.1 (which Kubernetes uses) reads this as the boolean {b}; put it in quotes"
        )),
        _ => None,
    }
}

macro_rules! forward_to_any {
    ($($name:ident)*) => {
        $(fn $name<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
            self.deserialize_any(visitor)
        })*
    };
}

impl<'de> de::Deserializer<'de> for NodeDe<'de> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let result = match &self.0.value {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Int(i) => visitor.visit_i64(*i),
            Value::UInt(u) => visitor.visit_u64(*u),
            Value::Float(f) => visitor.visit_f64(*f),
            Value::Str { text, .. } => visitor.visit_borrowed_str(text),
            Value::Seq(items) => visitor.visit_seq(SeqDe { iter: items.iter() }),
            Value::Map(entries) => visitor.visit_map(MapDe {
                iter: entries.iter(),
                value: None,
            }),
        };
        self.locate(result)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.0.value {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        let result = match &self.0.value {
            Value::Str { text, .. } => visitor.visit_enum(text.as_str().into_deserializer()),
            Value::Map(entries) if entries.len() == 1 => visitor.visit_enum(EnumDe {
                key: &entries[0].0,
                value: &entries[0].1,
            }),
            _ => Err(DeError::custom(format_args!(
                "expected a string or a mapping with one key, found {}",
                self.0.describe()
            ))),
        };
        self.locate(result)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match &self.0.value {
            Value::Str { text, .. } => self.locate(visitor.visit_borrowed_str(text)),
            _ => self.locate(Err(DeError::custom(format_args!(
                "expected a string, found {}",
                self.0.describe()
            )))),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.0.key_text() {
            Some(std::borrow::Cow::Borrowed(text)) => self.locate(visitor.visit_borrowed_str(text)),
            Some(std::borrow::Cow::Owned(text)) => self.locate(visitor.visit_string(text)),
            None => self.deserialize_any(visitor),
        }
    }

    forward_to_any! {
        deserialize_bool deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64
        deserialize_i128 deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64
        deserialize_u128 deserialize_f32 deserialize_f64 deserialize_char deserialize_bytes
        deserialize_byte_buf deserialize_unit deserialize_seq deserialize_map
        deserialize_ignored_any
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_any(visitor)
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_any(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_any(visitor)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        match &self.0.value {
            Value::Map(_) => self.deserialize_any(visitor),
            _ => self.locate(Err(DeError::custom(format_args!(
                "expected a mapping, found {}",
                self.0.describe()
            )))),
        }
    }
}

struct SeqDe<'de> {
    iter: std::slice::Iter<'de, Node>,
}

impl<'de> SeqAccess<'de> for SeqDe<'de> {
    type Error = DeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        match self.iter.next() {
            Some(node) => seed.deserialize(NodeDe(node)).map(Some),
            None => Ok(None),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.iter.len())
    }
}

struct MapDe<'de> {
    iter: std::slice::Iter<'de, (Node, Node)>,
    value: Option<&'de Node>,
}

impl<'de> MapAccess<'de> for MapDe<'de> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        match self.iter.next() {
            Some((k, v)) => {
                self.value = Some(v);
                let key = NodeDe(k);
                key.locate(seed.deserialize(KeyDe(key))).map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        let node = self
            .value
            .take()
            .ok_or_else(|| DeError::custom("value without a key"))?;
        seed.deserialize(NodeDe(node))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.iter.len())
    }
}

/// Keys deserialize as identifiers: a struct field, or a map key of type String, from
/// whatever scalar was written (`80:` is the key "80").
struct KeyDe<'de>(NodeDe<'de>);

impl<'de> de::Deserializer<'de> for KeyDe<'de> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.0.deserialize_identifier(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.0.deserialize_enum(name, variants, visitor)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map struct identifier ignored_any
    }
}

struct EnumDe<'de> {
    key: &'de Node,
    value: &'de Node,
}

impl<'de> de::EnumAccess<'de> for EnumDe<'de> {
    type Error = DeError;
    type Variant = NodeDe<'de>;

    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, NodeDe<'de>), DeError> {
        let key = NodeDe(self.key);
        let variant = key.locate(seed.deserialize(KeyDe(key)))?;
        Ok((variant, NodeDe(self.value)))
    }
}

impl<'de> de::VariantAccess<'de> for NodeDe<'de> {
    type Error = DeError;

    fn unit_variant(self) -> Result<(), DeError> {
        Ok(())
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, DeError> {
        seed.deserialize(self)
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, DeError> {
        de::Deserializer::deserialize_any(self, visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        de::Deserializer::deserialize_any(self, visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::parse_stream;
    use serde::Deserialize;

    #[derive(Deserialize, Debug)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    struct Thing {
        name: String,
        #[serde(default)]
        depends_on: Vec<String>,
        #[serde(default)]
        replicas: Option<u32>,
    }

    fn parse(text: &str) -> Result<Thing, DeError> {
        let stream = parse_stream(text).unwrap();
        let node = Box::leak(Box::new(stream.documents.into_iter().next().unwrap()));
        from_node(node)
    }

    #[test]
    fn reads_a_struct() {
        let t = parse("name: a\ndependsOn: [b, c]\nreplicas: 3\n").unwrap();
        assert_eq!(t.name, "a");
        assert_eq!(t.depends_on, ["b", "c"]);
        assert_eq!(t.replicas, Some(3));
    }

    #[test]
    fn unknown_field_points_at_key_with_suggestion() {
        let e = parse("name: a\ndependOn: [b]\n").unwrap_err();
        assert_eq!(e.message, "unknown field `dependOn`");
        assert_eq!(e.help.as_deref(), Some("did you mean `dependsOn`?"));
        let span = e.span.unwrap();
        assert_eq!((span.start.line, span.start.col), (2, 1));
    }

    #[test]
    fn wrong_type_points_at_value_with_yaml_hint() {
        let e = parse("name: 1.30\n").unwrap_err();
        assert!(e.message.contains("expected a string"), "{}", e.message);
        assert!(e.help.unwrap().contains("number 1.3"));
        assert_eq!(e.span.unwrap().start.col, 7);
        let e = parse("name: on\n").unwrap_err();
        assert!(e.help.unwrap().contains("boolean true"));
    }

    #[test]
    fn missing_field_points_at_mapping() {
        let e = parse("dependsOn: []\n").unwrap_err();
        assert_eq!(e.message, "missing field `name`");
        assert_eq!(e.span.unwrap().start.line, 1);
    }

    #[test]
    fn nested_error_keeps_innermost_position() {
        let e = parse("name: a\ndependsOn:\n  - b\n  - {x: 1}\n").unwrap_err();
        assert_eq!(e.span.unwrap().start.line, 4);
    }
}
