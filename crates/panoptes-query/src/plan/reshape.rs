//! Operators that reshape rows: `mv-expand`, `parse`, `parse-where`, `parse-kv`, `invoke`,
//! `evaluate` plugins.

use datafusion::common::{Column, UnnestOptions};
use datafusion::logical_expr::{Expr, LogicalPlan, LogicalPlanBuilder};
use panoptes_domain::KqlType;
use panoptes_kql::ast::{ColumnDecl, Expr as Ast, ExprKind, Literal, MvExpandColumn, OptionArg, ParsePart};
use panoptes_kql::{Diagnostic, Span};

use super::binary::cast_to;
use super::operators::{alias_if_needed, default_name};
use super::scalar::lit_str;
use super::{Binding, PResult, Planned, Planner, build, col, schema_names};
use crate::functions::{self, mvexpand};

impl Planner<'_> {
    pub(super) fn mv_expand(
        &mut self,
        input: LogicalPlan,
        options: &[OptionArg],
        columns: &[MvExpandColumn],
        span: Span,
    ) -> PResult<LogicalPlan> {
        let schema = input.schema().clone();
        let names = schema_names(&schema);
        let index_name = options
            .iter()
            .find(|o| o.name.eq_ignore_ascii_case("with_itemindex"))
            .and_then(|o| o.value.as_name().map(str::to_string));
        let mut exprs: Vec<Expr> = names.iter().map(|n| col(n)).collect();
        let mut expanded: Vec<(String, String, Option<String>)> = Vec::new();
        let mut first_value: Option<Expr> = None;
        let as_arrays = options.iter().any(|o| {
            (o.name.eq_ignore_ascii_case("kind") || o.name.eq_ignore_ascii_case("bagexpansion"))
                && o.value.as_name() == Some("array")
        });
        for (i, c) in columns.iter().enumerate() {
            let value = self.scalar(&c.expr, &schema)?;
            let value_type = crate::types::kql_type(&self.type_of(&value, &schema));
            if value_type != KqlType::Dynamic {
                return Err(Diagnostic::error(
                    "KQL_TYPE",
                    format!("mv-expand needs a dynamic array or bag, found {value_type}"),
                    c.expr.span,
                ));
            }
            let value = if as_arrays {
                functions::row_call("bag_to_pairs", KqlType::Dynamic, functions::bag_to_pairs_fn, vec![value])
            } else {
                value
            };
            if first_value.is_none() {
                first_value = Some(value.clone());
            }
            let internal = self.fresh("mv");
            exprs.push(mvexpand::to_list(value).alias(&internal));
            let name = c
                .name
                .as_ref()
                .map(|n| n.name.clone())
                .or_else(|| default_name(&c.expr))
                .unwrap_or_else(|| format!("Column{}", i + 1));
            expanded.push((name, internal, c.to_type.clone()));
        }
        let index_internal = self.fresh("mvi");
        if index_name.is_some()
            && let Some(v) = first_value
        {
            exprs.push(mvexpand::list_indexes(v).alias(&index_internal));
        }
        let projected = build(LogicalPlanBuilder::from(input).project(exprs), span)?;
        let mut unnest: Vec<Column> = expanded.iter().map(|(_, internal, _)| Column::from_name(internal)).collect();
        if index_name.is_some() {
            unnest.push(Column::from_name(&index_internal));
        }
        let unnested = build(
            LogicalPlanBuilder::from(projected)
                .unnest_columns_with_options(unnest, UnnestOptions::new().with_preserve_nulls(false)),
            span,
        )?;
        let unnested_schema = unnested.schema().clone();
        let typed = |planner: &mut Self, internal: &str, to_type: &Option<String>| -> Expr {
            let _ = planner;
            match to_type.as_deref().and_then(KqlType::from_name) {
                Some(t) => cast_to(col(internal), t, &unnested_schema),
                None => col(internal),
            }
        };
        let mut outputs: Vec<Expr> = Vec::new();
        for n in &names {
            match expanded.iter().find(|(name, _, _)| name == n) {
                Some((name, internal, to_type)) => outputs.push(typed(self, internal, to_type).alias(name)),
                None => outputs.push(col(n)),
            }
        }
        for (name, internal, to_type) in &expanded {
            if !names.contains(name) {
                outputs.push(typed(self, internal, to_type).alias(name));
            }
        }
        if let Some(index) = index_name {
            outputs.push(col(&index_internal).alias(index));
        }
        build(LogicalPlanBuilder::from(unnested).project(outputs), span)
    }

    pub(super) fn parse_op(
        &mut self,
        input: LogicalPlan,
        filter: bool,
        options: &[OptionArg],
        source: &Ast,
        pattern: &[ParsePart],
        span: Span,
    ) -> PResult<LogicalPlan> {
        let schema = input.schema().clone();
        let kind = options
            .iter()
            .find(|o| o.name.eq_ignore_ascii_case("kind"))
            .and_then(|o| o.value.as_name().map(str::to_ascii_lowercase))
            .unwrap_or_else(|| "simple".into());
        let flags = options.iter().find(|o| o.name.eq_ignore_ascii_case("flags")).and_then(|o| match &o.value.kind {
            ExprKind::Name(n) => Some(n.clone()),
            ExprKind::Literal(Literal::String(s)) => Some(s.clone()),
            _ => None,
        });
        let mut regex = String::new();
        if let Some(flags) = flags {
            regex.push_str(&format!("(?{flags})"));
        }
        if kind != "regex" {
            regex.push('^');
        }
        if pattern.windows(2).any(|w| matches!((&w[0], &w[1]), (ParsePart::Column(..), ParsePart::Column(..)))) {
            return Err(Diagnostic::error(
                "KQL_PARSE_PATTERN",
                "two parse columns must be separated by a text pattern or `*`",
                span,
            ));
        }
        let mut columns: Vec<(String, KqlType)> = Vec::new();
        let last = pattern.len().saturating_sub(1);
        for (i, part) in pattern.iter().enumerate() {
            match part {
                ParsePart::Text(text) => {
                    if kind == "regex" {
                        regex.push_str(text);
                    } else {
                        regex.push_str(&regex::escape(text));
                    }
                }
                ParsePart::Wildcard => regex.push_str(if i == last { ".*" } else { ".*?" }),
                ParsePart::Column(name, type_name) => {
                    let t = match type_name {
                        Some(t) => KqlType::from_name(t)
                            .ok_or_else(|| Diagnostic::error("KQL_TYPE", format!("unknown type `{t}`"), name.span))?,
                        None => KqlType::String,
                    };
                    let group = match t {
                        KqlType::Long | KqlType::Int => r"(-?\d+)".to_string(),
                        KqlType::Real => r"(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)".to_string(),
                        _ if i == last => "(.*)".to_string(),
                        _ => "(.*?)".to_string(),
                    };
                    // In regex mode string columns are greedy, as in Kusto.
                    let group = if kind == "regex" && t == KqlType::String { "(.*)".to_string() } else { group };
                    regex.push_str(&group);
                    columns.push((name.name.clone(), t));
                }
            }
        }
        if kind == "simple" && matches!(pattern.last(), Some(ParsePart::Column(..))) {
            regex.push('$');
        }
        if functions::compiles(&regex).is_none() {
            return Err(Diagnostic::error(
                "KQL_REGEX",
                format!("the parse pattern is not a valid regular expression: {regex}"),
                span,
            ));
        }
        let text = self.scalar(source, &schema)?;
        let text = self.as_string(text, &schema);
        let names = schema_names(&schema);
        let mut outputs: Vec<(String, Expr)> = names.iter().map(|n| (n.clone(), col(n))).collect();
        for (group, (name, t)) in columns.iter().enumerate() {
            let args = vec![
                text.clone(),
                lit_str(&regex),
                Expr::Literal(datafusion::common::ScalarValue::Int64(Some(group as i64 + 1)), None),
                lit_str(t.name()),
            ];
            let value = functions::row_call("parse_group", *t, functions::parse_group_fn, args);
            match outputs.iter_mut().find(|(n, _)| n == name) {
                Some(slot) => slot.1 = value,
                None => outputs.push((name.clone(), value)),
            }
        }
        let mut plan = input;
        if filter {
            let matched = functions::row_call(
                "parse_matches",
                KqlType::Bool,
                functions::matches_regex_fn,
                vec![text, lit_str(&regex)],
            );
            plan = build(LogicalPlanBuilder::from(plan).filter(matched), span)?;
        }
        build(LogicalPlanBuilder::from(plan).project(outputs.into_iter().map(|(n, e)| alias_if_needed(e, &n))), span)
    }

    pub(super) fn parse_kv(
        &mut self,
        input: LogicalPlan,
        source: &Ast,
        columns: &[ColumnDecl],
        options: &[OptionArg],
        span: Span,
    ) -> PResult<LogicalPlan> {
        let schema = input.schema().clone();
        let option = |name: &str, default: &str| -> String {
            options
                .iter()
                .find(|o| o.name.eq_ignore_ascii_case(name))
                .and_then(|o| match &o.value.kind {
                    ExprKind::Literal(Literal::String(s)) => Some(s.clone()),
                    _ => None,
                })
                .unwrap_or_else(|| default.to_string())
        };
        let (pair, kv, quote) = (option("pair_delimiter", " "), option("kv_delimiter", "="), option("quote", "\""));
        let text = self.scalar(source, &schema)?;
        let text = self.as_string(text, &schema);
        let names = schema_names(&schema);
        let mut outputs: Vec<(String, Expr)> = names.iter().map(|n| (n.clone(), col(n))).collect();
        for c in columns {
            let t = KqlType::from_name(&c.type_name).unwrap_or(KqlType::String);
            let args = vec![
                text.clone(),
                lit_str(&c.name.name),
                lit_str(&pair),
                lit_str(&kv),
                lit_str(&quote),
                lit_str(t.name()),
            ];
            let value = functions::row_call("parse_kv", t, functions::parse_kv_fn, args);
            match outputs.iter_mut().find(|(n, _)| *n == c.name.name) {
                Some(slot) => slot.1 = value,
                None => outputs.push((c.name.name.clone(), value)),
            }
        }
        build(LogicalPlanBuilder::from(input).project(outputs.into_iter().map(|(n, e)| alias_if_needed(e, &n))), span)
    }

    pub(super) fn invoke(&mut self, input: LogicalPlan, call: &Ast, span: Span) -> PResult<LogicalPlan> {
        let ExprKind::Call { name, args, .. } = &call.kind else {
            return Err(Diagnostic::error("KQL_SYNTAX", "`invoke` needs a function call", span));
        };
        match self.lookup(name).cloned() {
            Some(Binding::Lambda(lambda)) => {
                match self.invoke_lambda(&lambda, args, Some(input), span, &datafusion::common::DFSchema::empty())? {
                    Planned::Table(plan) => Ok(plan),
                    Planned::Scalar(_) => {
                        Err(Diagnostic::error("KQL_EXPECTED_TABLE", format!("`{name}` returns a scalar"), span))
                    }
                }
            }
            _ if name == "FileProfile" => self.file_profile(input, span),
            _ if name == "SeenBy" => {
                // Devices that observed each device: needs device-discovery data, empty here.
                let names = schema_names(input.schema());
                let mut exprs: Vec<Expr> = names.iter().map(|n| col(n)).collect();
                exprs.push(Expr::Literal(datafusion::common::ScalarValue::LargeUtf8(None), None).alias("SeenBy"));
                build(LogicalPlanBuilder::from(input).project(exprs), span)
            }
            _ => Err(Diagnostic::error("KQL_UNKNOWN_FUNCTION", format!("unknown function `{name}` in invoke"), span)),
        }
    }

    /// `invoke FileProfile()`: file-profile columns. Without a file-intelligence source they
    /// are empty (documented deviation) but the query plans and runs.
    fn file_profile(&mut self, input: LogicalPlan, span: Span) -> PResult<LogicalPlan> {
        let names = schema_names(input.schema());
        let mut exprs: Vec<Expr> = names.iter().map(|n| col(n)).collect();
        let extra = [
            ("GlobalPrevalence", KqlType::Long),
            ("GlobalFirstSeen", KqlType::Datetime),
            ("GlobalLastSeen", KqlType::Datetime),
            ("Signer", KqlType::String),
            ("Issuer", KqlType::String),
            ("SignerHash", KqlType::String),
            ("IsCertificateValid", KqlType::Bool),
            ("IsRootSignerMicrosoft", KqlType::Bool),
            ("SignatureState", KqlType::String),
            ("IsExecutable", KqlType::Bool),
            ("ThreatName", KqlType::String),
            ("Publisher", KqlType::String),
            ("SoftwareName", KqlType::String),
            ("ProfileAvailability", KqlType::String),
        ];
        for (name, t) in extra {
            if !names.iter().any(|n| n == name) {
                exprs.push(Expr::Literal(super::calls::typed_null(t), None).alias(name));
            }
        }
        build(LogicalPlanBuilder::from(input).project(exprs), span)
    }
}
