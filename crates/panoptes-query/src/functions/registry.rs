//! The table of row-wise functions: name → arity, result type and implementation.

use panoptes_domain::KqlType::{self, Bool, Datetime, Dynamic, Int, Long, Real, String as Str, Timespan};

use super::{convert, datetime, dynamic, math, network, series, string};
use crate::value::Val;

/// How a function's result type is found.
#[derive(Debug, Clone, Copy)]
pub enum Ret {
    /// Always this type.
    Fixed(KqlType),
    /// The type of argument `i` (e.g. `bin`, `abs`).
    Arg(usize),
}

/// A row-wise function: arity bounds, result type, implementation.
#[derive(Debug, Clone, Copy)]
pub struct FnSpec {
    /// Fewest arguments.
    pub min: usize,
    /// Most arguments.
    pub max: usize,
    /// Result type.
    pub ret: Ret,
    /// Implementation.
    pub eval: fn(&[Val]) -> Val,
}

const MANY: usize = 64;

const fn f(min: usize, max: usize, ret: KqlType, eval: fn(&[Val]) -> Val) -> FnSpec {
    FnSpec { min, max, ret: Ret::Fixed(ret), eval }
}

const fn same(min: usize, max: usize, arg: usize, eval: fn(&[Val]) -> Val) -> FnSpec {
    FnSpec { min, max, ret: Ret::Arg(arg), eval }
}

/// Finds a row-wise function by its KQL name (aliases included).
pub fn lookup(name: &str) -> Option<FnSpec> {
    Some(match name {
        // Strings.
        "strlen" => f(1, 1, Long, string::strlen),
        "string_size" => f(1, 1, Long, string::string_size),
        "tolower" => f(1, 1, Str, string::tolower),
        "toupper" => f(1, 1, Str, string::toupper),
        "strcat" => f(1, MANY, Str, string::strcat),
        "strcat_delim" => f(2, MANY, Str, string::strcat_delim),
        "substring" => f(2, 3, Str, string::substring),
        "split" => f(2, 3, Dynamic, string::split),
        "replace_string" => f(3, 3, Str, string::replace_string),
        "replace_strings" => f(3, 3, Str, string::replace_strings),
        "replace_regex" => f(3, 3, Str, string::replace_regex),
        "replace" => f(3, 3, Str, string::replace_legacy),
        "trim" => f(2, 2, Str, string::trim),
        "trim_start" => f(2, 2, Str, string::trim_start),
        "trim_end" => f(2, 2, Str, string::trim_end),
        "extract" => f(3, 4, Str, string::extract),
        "extract_all" | "extractall" => f(2, 3, Dynamic, string::extract_all),
        "indexof" => f(2, 5, Long, string::indexof),
        "indexof_regex" => f(2, 5, Long, string::indexof_regex),
        "countof" => f(2, 3, Long, string::countof),
        "reverse" => f(1, 1, Str, string::reverse),
        "strrep" => f(2, 3, Str, string::strrep),
        "strcmp" => f(2, 2, Int, string::strcmp),
        "translate" => f(3, 3, Str, string::translate),
        "url_decode" => f(1, 1, Str, string::url_decode),
        "url_encode" | "url_encode_component" => f(1, 1, Str, string::url_encode),
        "base64_decode_tostring" | "base64_decodestring" => f(1, 1, Str, string::base64_decode_tostring),
        "base64_decode_toarray" => f(1, 1, Dynamic, string::base64_decode_toarray),
        "base64_encode_tostring" | "base64_encodestring" => f(1, 1, Str, string::base64_encode_tostring),
        "hash_sha256" => f(1, 1, Str, string::hash_sha256),
        "hash" | "hash_xxhash64" => f(1, 2, Long, string::hash),
        "regex_quote" => f(1, 1, Str, string::regex_quote),
        "parse_csv" => f(1, 1, Dynamic, string::parse_csv),
        "parse_command_line" => f(1, 2, Dynamic, string::parse_command_line),
        "unicode_codepoints_from_string" => f(1, 1, Dynamic, string::unicode_codepoints_from_string),
        "unicode_codepoints_to_string" | "make_string" => f(1, 1, Str, string::unicode_codepoints_to_string),
        "format_bytes" => f(1, 3, Str, string::format_bytes),
        // Conversions and types.
        "tostring" => f(1, 1, Str, convert::tostring),
        "tolong" | "toint64" => f(1, 1, Long, convert::tolong),
        "toint" => f(1, 1, Int, convert::toint),
        "todouble" | "toreal" | "todecimal" => f(1, 1, Real, convert::toreal),
        "tobool" | "toboolean" => f(1, 1, Bool, convert::tobool),
        "todatetime" | "datetime" | "date" => f(1, 1, Datetime, convert::todatetime),
        "totimespan" | "time" | "timespan" => f(1, 1, Timespan, convert::totimespan),
        "toguid" => f(1, 1, Str, convert::toguid),
        "parse_json" | "parsejson" | "todynamic" | "toobject" => f(1, 1, Dynamic, convert::parse_json),
        "gettype" => f(1, 1, Str, convert::gettype),
        // Datetime.
        "bin" | "floor" => same(2, 2, 0, datetime::bin),
        "bin_at" => same(3, 3, 0, datetime::bin_at),
        "startofday" => f(1, 2, Datetime, datetime::startofday),
        "startofweek" => f(1, 2, Datetime, datetime::startofweek),
        "startofmonth" => f(1, 2, Datetime, datetime::startofmonth),
        "startofyear" => f(1, 2, Datetime, datetime::startofyear),
        "endofday" => f(1, 2, Datetime, datetime::endofday),
        "endofweek" => f(1, 2, Datetime, datetime::endofweek),
        "endofmonth" => f(1, 2, Datetime, datetime::endofmonth),
        "endofyear" => f(1, 2, Datetime, datetime::endofyear),
        "dayofweek" => f(1, 1, Timespan, datetime::dayofweek),
        "dayofmonth" => f(1, 1, Int, datetime::dayofmonth),
        "dayofyear" => f(1, 1, Int, datetime::dayofyear),
        "hourofday" => f(1, 1, Int, datetime::hourofday),
        "monthofyear" | "getmonth" => f(1, 1, Int, datetime::monthofyear),
        "getyear" => f(1, 1, Int, datetime::getyear),
        "week_of_year" | "weekofyear" => f(1, 1, Int, datetime::week_of_year),
        "datetime_part" | "datepart" => f(2, 2, Int, datetime::datetime_part),
        "datetime_add" => f(3, 3, Datetime, datetime::datetime_add),
        "datetime_diff" => f(3, 3, Long, datetime::datetime_diff),
        "make_datetime" => f(3, 7, Datetime, datetime::make_datetime),
        "make_timespan" => f(2, 4, Timespan, datetime::make_timespan),
        "unixtime_seconds_todatetime" => f(1, 1, Datetime, datetime::unixtime_seconds_todatetime),
        "unixtime_milliseconds_todatetime" => f(1, 1, Datetime, datetime::unixtime_milliseconds_todatetime),
        "unixtime_microseconds_todatetime" => f(1, 1, Datetime, datetime::unixtime_microseconds_todatetime),
        "unixtime_nanoseconds_todatetime" => f(1, 1, Datetime, datetime::unixtime_nanoseconds_todatetime),
        "format_datetime" => f(2, 2, Str, datetime::format_datetime),
        "format_timespan" => f(2, 2, Str, datetime::format_timespan),
        // Dynamic.
        "array_length" => f(1, 1, Long, dynamic::array_length),
        "pack_array" => f(0, MANY, Dynamic, dynamic::pack_array),
        "pack" | "bag_pack" | "pack_dictionary" => f(0, MANY, Dynamic, dynamic::bag_pack),
        "bag_keys" => f(1, 1, Dynamic, dynamic::bag_keys),
        "bag_has_key" => f(2, 2, Bool, dynamic::bag_has_key),
        "bag_merge" => f(2, MANY, Dynamic, dynamic::bag_merge),
        "bag_remove_keys" => f(2, 2, Dynamic, dynamic::bag_remove_keys),
        "bag_set_key" => f(3, 3, Dynamic, dynamic::bag_set_key),
        "array_concat" => f(1, MANY, Dynamic, dynamic::array_concat),
        "array_slice" => f(3, 3, Dynamic, dynamic::array_slice),
        "array_index_of" => f(2, 5, Long, dynamic::array_index_of),
        "array_sort_asc" => f(1, 2, Dynamic, dynamic::array_sort_asc),
        "array_sort_desc" => f(1, 2, Dynamic, dynamic::array_sort_desc),
        "array_reverse" => f(1, 1, Dynamic, dynamic::array_reverse),
        "array_sum" => f(1, 1, Real, dynamic::array_sum),
        "array_iff" | "array_iif" => f(3, 3, Dynamic, dynamic::array_iff),
        "strcat_array" => f(2, 2, Str, dynamic::strcat_array),
        "set_has_element" => f(2, 2, Bool, dynamic::set_has_element),
        "set_union" => f(2, MANY, Dynamic, dynamic::set_union),
        "set_intersect" => f(2, MANY, Dynamic, dynamic::set_intersect),
        "set_difference" => f(2, MANY, Dynamic, dynamic::set_difference),
        "jaccard_index" => f(2, 2, Real, dynamic::jaccard_index),
        "zip" => f(2, MANY, Dynamic, dynamic::zip),
        "dynamic_to_json" => f(1, 1, Str, dynamic::dynamic_to_json),
        "extract_json" | "extractjson" => f(2, 3, Str, dynamic::extract_json),
        "treepath" => f(1, 1, Dynamic, dynamic::treepath),
        // Series.
        "series_fill_forward" => f(1, 2, Dynamic, series::fill_forward),
        "series_fill_backward" => f(1, 2, Dynamic, series::fill_backward),
        "series_fill_const" => f(1, 3, Dynamic, series::fill_const),
        "series_fill_linear" => f(1, 4, Dynamic, series::fill_linear),
        "series_add" => f(2, 2, Dynamic, series::add),
        "series_subtract" => f(2, 2, Dynamic, series::subtract),
        "series_multiply" => f(2, 2, Dynamic, series::multiply),
        "series_divide" => f(2, 2, Dynamic, series::divide),
        "series_stats_dynamic" => f(1, 2, Dynamic, series::stats_dynamic),
        "series_decompose_anomalies" => f(1, 6, Dynamic, series::decompose_anomalies),
        "series_outliers" => f(1, 5, Dynamic, series::decompose_anomalies),
        "range" => f(2, 3, Dynamic, series::range),
        // Math.
        "abs" => same(1, 1, 0, math::abs),
        "sign" => same(1, 1, 0, math::sign),
        "round" => same(1, 2, 0, math::round),
        "ceiling" => f(1, 1, Real, math::ceiling),
        "sqrt" => f(1, 1, Real, math::sqrt),
        "log" => f(1, 1, Real, math::log),
        "log10" => f(1, 1, Real, math::log10),
        "log2" => f(1, 1, Real, math::log2),
        "exp" => f(1, 1, Real, math::exp),
        "exp2" => f(1, 1, Real, math::exp2),
        "exp10" => f(1, 1, Real, math::exp10),
        "pow" => f(2, 2, Real, math::pow),
        "sin" => f(1, 1, Real, math::sin),
        "cos" => f(1, 1, Real, math::cos),
        "tan" => f(1, 1, Real, math::tan),
        "asin" => f(1, 1, Real, math::asin),
        "acos" => f(1, 1, Real, math::acos),
        "atan" => f(1, 1, Real, math::atan),
        "atan2" => f(2, 2, Real, math::atan2),
        "cot" => f(1, 1, Real, math::cot),
        "degrees" => f(1, 1, Real, math::degrees),
        "radians" => f(1, 1, Real, math::radians),
        "gamma" => f(1, 1, Real, math::gamma),
        "isnan" => f(1, 1, Bool, math::isnan),
        "isinf" => f(1, 1, Bool, math::isinf),
        "isfinite" => f(1, 1, Bool, math::isfinite),
        "pi" => f(0, 0, Real, math::pi),
        "max_of" => same(1, MANY, 0, math::max_of),
        "min_of" => same(1, MANY, 0, math::min_of),
        // Network and paths.
        "parse_ipv4" => f(1, 1, Long, network::parse_ipv4),
        "ipv4_is_private" => f(1, 1, Bool, network::ipv4_is_private),
        "ipv4_is_in_range" => f(2, 2, Bool, network::ipv4_is_in_range),
        "ipv4_is_in_any_range" => f(2, MANY, Bool, network::ipv4_is_in_any_range),
        "ipv4_compare" => f(2, 3, Long, network::ipv4_compare),
        "format_ipv4" => f(1, 2, Str, network::format_ipv4),
        "format_ipv4_mask" => f(1, 2, Str, network::format_ipv4_mask),
        "parse_url" | "parseurl" => f(1, 1, Dynamic, network::parse_url),
        "parse_path" => f(1, 1, Dynamic, network::parse_path),
        "parse_version" => f(1, 1, Str, network::parse_version),
        "parse_user_agent" => f(2, 2, Dynamic, network::parse_user_agent),
        "geo_info_from_ip_address" => f(1, 1, Dynamic, network::geo_info_from_ip_address),
        _ => return None,
    })
}

/// Every row-wise function name, for "did you mean" hints and the dialect reference.
pub fn names() -> &'static [&'static str] {
    &[
        "strlen", "string_size", "tolower", "toupper", "strcat", "strcat_delim", "substring", "split",
        "replace_string", "replace_strings", "replace_regex", "trim", "trim_start", "trim_end", "extract",
        "extract_all", "indexof", "indexof_regex", "countof", "reverse", "strrep", "strcmp", "translate", "url_decode",
        "url_encode", "base64_decode_tostring", "base64_encode_tostring", "hash_sha256", "hash", "regex_quote",
        "parse_command_line", "format_bytes", "tostring", "tolong", "toint", "todouble", "toreal", "tobool",
        "todatetime", "totimespan", "toguid", "parse_json", "todynamic", "gettype", "bin", "floor", "bin_at",
        "startofday", "startofweek", "startofmonth", "startofyear", "endofday", "endofweek", "endofmonth",
        "endofyear", "dayofweek", "dayofmonth", "dayofyear", "hourofday", "monthofyear", "getyear",
        "week_of_year", "datetime_part", "datetime_add", "datetime_diff", "make_datetime", "make_timespan",
        "format_datetime", "format_timespan", "array_length", "pack_array", "pack", "bag_pack", "bag_keys",
        "bag_has_key", "bag_merge", "bag_remove_keys", "array_concat", "array_slice", "array_index_of",
        "array_sort_asc", "array_sort_desc", "array_reverse", "array_sum", "array_iff", "strcat_array",
        "set_has_element", "set_union", "set_intersect", "set_difference", "jaccard_index", "zip",
        "dynamic_to_json", "extract_json", "extractjson", "abs", "sign", "round", "ceiling", "sqrt", "log", "log10",
        "log2", "exp", "exp2", "exp10", "pow", "sin", "cos", "tan", "cot", "isnan", "isinf", "isfinite", "pi",
        "max_of", "min_of", "parse_ipv4", "ipv4_is_private", "ipv4_is_in_range", "ipv4_is_in_any_range",
        "ipv4_compare", "format_ipv4", "format_ipv4_mask", "parse_url", "parse_path", "parse_version",
        "geo_info_from_ip_address",
    ]
}
