//! The `scan` operator's runtime: a window function over the whole serialized input that runs
//! the steps' state machine record by record, as Kusto defines it, and gives each record the
//! list of output rows it makes (none, or one per step it matches). The planner unnests that
//! list, so a record that matches nothing is dropped.
//!
//! Each step keeps a state: the sequence that reached it, holding one record per step up to it.
//! A record is checked against the steps from the last to the first. Check 1: when the previous
//! step holds a sequence and the record meets this step's condition (read against that
//! sequence), the sequence moves up to this step (this step's old one is dropped). Check 2 (only
//! when check 1 did not match): when this step holds a sequence, or is the first step, and the
//! record meets the condition (read against this step's sequence), the record replaces this
//! step's record in it; at the first step with no sequence, a new one starts with the next match
//! id. Conditions and assignments that read no state are computed for all records at once;
//! the others one record at a time.

use std::hash::{Hash, Hasher};
use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, Int64Array, ListArray, RecordBatch, StructArray, new_empty_array, new_null_array,
};
use datafusion::arrow::buffer::OffsetBuffer;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Fields, SchemaRef};
use datafusion::common::{Result as DfResult, ScalarValue};
use datafusion::logical_expr::function::{PartitionEvaluatorArgs, WindowUDFFieldArgs};
use datafusion::logical_expr::{PartitionEvaluator, Signature, Volatility, WindowUDF, WindowUDFImpl};
use datafusion::physical_expr::PhysicalExpr;
use datafusion::physical_expr::utils::collect_columns;

/// The name of the match id in each output row.
pub const MATCH_ID: &str = "match_id";

/// Which of a step's matches make output rows (`output=all|last|none`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepOutput {
    All,
    Last,
    None,
}

/// Where a `Step.Column` reference reads from the record a sequence holds for that step.
#[derive(Debug, Clone, Copy)]
pub enum StateSource {
    /// An input column (its index among the inputs).
    Input(usize),
    /// A declared column (its index among the declared ones).
    Declared(usize),
}

/// One `Step.Column` reference: an evaluation column after the inputs and declared columns.
#[derive(Debug, Clone, Copy)]
pub struct StateRef {
    pub step: usize,
    pub source: StateSource,
}

/// One step: its output mode, its condition and its assignments (declared column index and
/// value), as physical expressions over the evaluation schema.
#[derive(Debug)]
pub struct ScanStepProgram {
    pub output: StepOutput,
    pub condition: Arc<dyn PhysicalExpr>,
    pub assignments: Vec<(usize, Arc<dyn PhysicalExpr>)>,
}

/// A planned `scan`. The evaluation schema is the input columns (the window function's
/// arguments, in order), then the declared columns as the current record has them (their
/// defaults), then one column per state reference.
#[derive(Debug)]
pub struct ScanProgram {
    pub steps: Vec<ScanStepProgram>,
    /// The declared columns' defaults, typed.
    pub defaults: Vec<ScalarValue>,
    pub eval_schema: SchemaRef,
    pub inputs: usize,
    pub state_refs: Vec<StateRef>,
}

impl ScanProgram {
    /// The struct of one output row: the declared columns (`c0`, `c1`, ...) and the match id.
    pub fn output_item(&self) -> FieldRef {
        let mut fields: Vec<Field> =
            self.defaults.iter().enumerate().map(|(i, d)| Field::new(format!("c{i}"), d.data_type(), true)).collect();
        fields.push(Field::new(MATCH_ID, DataType::Int64, true));
        Arc::new(Field::new("item", DataType::Struct(Fields::from(fields)), true))
    }

    /// Does `expr` read a state column (so it must be computed record by record)?
    fn reads_state(&self, expr: &Arc<dyn PhysicalExpr>) -> bool {
        let first_state = self.inputs + self.defaults.len();
        collect_columns(expr).iter().any(|c| c.index() >= first_state)
    }
}

/// The window function that runs a [`ScanProgram`]; `name` is unique per planned scan.
#[derive(Debug)]
pub struct ScanWindow {
    name: String,
    signature: Signature,
    program: Arc<ScanProgram>,
}

impl ScanWindow {
    pub fn udwf(name: String, program: ScanProgram) -> WindowUDF {
        let signature = Signature::variadic_any(Volatility::Immutable);
        WindowUDF::new_from_impl(Self { name, signature, program: Arc::new(program) })
    }
}

impl PartialEq for ScanWindow {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for ScanWindow {}

impl Hash for ScanWindow {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.name.hash(state);
    }
}

impl WindowUDFImpl for ScanWindow {
    fn name(&self) -> &str {
        &self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn partition_evaluator(&self, _args: PartitionEvaluatorArgs) -> DfResult<Box<dyn PartitionEvaluator>> {
        Ok(Box::new(ScanEvaluator { program: Arc::clone(&self.program) }))
    }

    fn field(&self, field_args: WindowUDFFieldArgs) -> DfResult<FieldRef> {
        Ok(Arc::new(Field::new(field_args.name(), DataType::List(self.program.output_item()), false)))
    }
}

#[derive(Debug)]
struct ScanEvaluator {
    program: Arc<ScanProgram>,
}

impl PartitionEvaluator for ScanEvaluator {
    fn evaluate_all(&mut self, values: &[ArrayRef], num_rows: usize) -> DfResult<ArrayRef> {
        let mut run = Run::new(&self.program, values, num_rows)?;
        for row in 0..num_rows {
            run.record(row)?;
        }
        run.finish()
    }
}

/// The record a sequence holds for one step: its row and its declared values.
#[derive(Debug, Clone)]
struct Held {
    row: usize,
    declared: Vec<ScalarValue>,
}

/// A sequence in progress.
#[derive(Debug, Clone)]
struct Sequence {
    match_id: i64,
    /// Per step, the record it matched (steps after the one holding it are empty).
    records: Vec<Option<Held>>,
    /// Per `output=last` step, its latest match, written out when its run of matches ends.
    pending: Vec<Option<Held>>,
}

/// An expression computed for every record at once, or left for record-by-record evaluation.
enum Computed {
    All(ArrayRef),
    PerRecord,
}

struct Run<'p> {
    program: &'p ScanProgram,
    values: &'p [ArrayRef],
    /// The declared columns' defaults as one-row arrays (the current record's values).
    default_arrays: Vec<ArrayRef>,
    /// Per step: its condition and its assignments, computed for all records where they read
    /// no state.
    conditions: Vec<Computed>,
    assignments: Vec<Vec<Computed>>,
    states: Vec<Option<Sequence>>,
    next_match_id: i64,
    /// Output rows: the record, its declared values and its match id.
    outputs: Vec<(usize, Vec<ScalarValue>, i64)>,
}

impl<'p> Run<'p> {
    fn new(program: &'p ScanProgram, values: &'p [ArrayRef], rows: usize) -> DfResult<Self> {
        let mut columns: Vec<ArrayRef> = values.to_vec();
        for default in &program.defaults {
            columns.push(default.to_array_of_size(rows)?);
        }
        let first_state = columns.len();
        for field in program.eval_schema.fields().iter().skip(first_state) {
            columns.push(new_null_array(field.data_type(), rows));
        }
        let all = batch(program, columns, rows)?;
        let compute = |expr: &Arc<dyn PhysicalExpr>| -> DfResult<Computed> {
            Ok(match program.reads_state(expr) {
                true => Computed::PerRecord,
                false => Computed::All(expr.evaluate(&all)?.into_array(rows)?),
            })
        };
        let conditions = program.steps.iter().map(|s| compute(&s.condition)).collect::<DfResult<Vec<_>>>()?;
        let assignments = program
            .steps
            .iter()
            .map(|s| s.assignments.iter().map(|(_, e)| compute(e)).collect::<DfResult<Vec<_>>>())
            .collect::<DfResult<Vec<_>>>()?;
        let default_arrays = program.defaults.iter().map(ScalarValue::to_array).collect::<DfResult<Vec<_>>>()?;
        Ok(Self {
            program,
            values,
            default_arrays,
            conditions,
            assignments,
            states: vec![None; program.steps.len()],
            next_match_id: 0,
            outputs: Vec::new(),
        })
    }

    /// Checks one record against every step, the last first.
    fn record(&mut self, row: usize) -> DfResult<()> {
        for step in (0..self.program.steps.len()).rev() {
            if step > 0
                && self.states[step - 1].is_some()
                && let Some(declared) = self.matches(step, row, step - 1)?
            {
                self.promote(step, row, declared);
                continue;
            }
            if (step == 0 || self.states[step].is_some())
                && let Some(declared) = self.matches(step, row, step)?
            {
                self.extend(step, row, declared);
            }
        }
        Ok(())
    }

    /// Check 1 matched: the previous step's sequence moves up to `step`.
    fn promote(&mut self, step: usize, row: usize, declared: Vec<ScalarValue>) {
        if let Some(dropped) = self.states[step].take() {
            self.flush(dropped);
        }
        let Some(mut sequence) = self.states[step - 1].take() else { return };
        if let Some(held) = sequence.pending[step - 1].take() {
            self.outputs.push((held.row, held.declared, sequence.match_id));
        }
        self.record_match(&mut sequence, step, row, declared);
        self.states[step] = Some(sequence);
    }

    /// Check 2 matched: the record replaces this step's record (a new sequence at the first step
    /// when it holds none).
    fn extend(&mut self, step: usize, row: usize, declared: Vec<ScalarValue>) {
        let steps = self.program.steps.len();
        let mut sequence = self.states[step].take().unwrap_or_else(|| {
            let match_id = self.next_match_id;
            self.next_match_id += 1;
            Sequence { match_id, records: vec![None; steps], pending: vec![None; steps] }
        });
        self.record_match(&mut sequence, step, row, declared);
        self.states[step] = Some(sequence);
    }

    fn record_match(&mut self, sequence: &mut Sequence, step: usize, row: usize, declared: Vec<ScalarValue>) {
        match self.program.steps[step].output {
            StepOutput::All => self.outputs.push((row, declared.clone(), sequence.match_id)),
            StepOutput::Last => sequence.pending[step] = Some(Held { row, declared: declared.clone() }),
            StepOutput::None => {}
        }
        sequence.records[step] = Some(Held { row, declared });
    }

    /// A sequence that ends: its `output=last` matches are written out.
    fn flush(&mut self, sequence: Sequence) {
        for held in sequence.pending.into_iter().flatten() {
            self.outputs.push((held.row, held.declared, sequence.match_id));
        }
    }

    /// The declared values of the record when it meets the step's condition read against the
    /// sequence the step `context` holds.
    fn matches(&self, step: usize, row: usize, context: usize) -> DfResult<Option<Vec<ScalarValue>>> {
        let context = self.states[context].as_ref();
        let mut single = None;
        let condition =
            self.value(&self.conditions[step], &self.program.steps[step].condition, row, context, &mut single)?;
        if !matches!(condition, ScalarValue::Boolean(Some(true))) {
            return Ok(None);
        }
        let mut declared = self.program.defaults.clone();
        for ((target, expr), computed) in self.program.steps[step].assignments.iter().zip(&self.assignments[step]) {
            declared[*target] = self.value(computed, expr, row, context, &mut single)?;
        }
        Ok(Some(declared))
    }

    /// An expression's value for the record: looked up when computed for all records, else
    /// evaluated over a one-row batch of the record and the state (made once per check).
    fn value(
        &self,
        computed: &Computed,
        expr: &Arc<dyn PhysicalExpr>,
        row: usize,
        context: Option<&Sequence>,
        single: &mut Option<RecordBatch>,
    ) -> DfResult<ScalarValue> {
        match computed {
            Computed::All(array) => ScalarValue::try_from_array(array, row),
            Computed::PerRecord => {
                let batch = match single {
                    Some(batch) => batch,
                    None => single.insert(self.one_row(row, context)?),
                };
                ScalarValue::try_from_array(&expr.evaluate(batch)?.into_array(1)?, 0)
            }
        }
    }

    fn one_row(&self, row: usize, context: Option<&Sequence>) -> DfResult<RecordBatch> {
        let mut columns: Vec<ArrayRef> = self.values.iter().map(|v| v.slice(row, 1)).collect();
        columns.extend(self.default_arrays.iter().cloned());
        for reference in &self.program.state_refs {
            let held = context.and_then(|s| s.records.get(reference.step)).and_then(Option::as_ref);
            let value = match (held, reference.source) {
                (Some(held), StateSource::Input(i)) => ScalarValue::try_from_array(&self.values[i], held.row)?,
                (Some(held), StateSource::Declared(d)) => held.declared[d].clone(),
                (None, StateSource::Input(i)) => ScalarValue::try_from(self.values[i].data_type())?,
                (None, StateSource::Declared(d)) => self.program.defaults[d].clone(),
            };
            columns.push(value.to_array()?);
        }
        batch(self.program, columns, 1)
    }

    /// The output rows as one list per record, in record order.
    fn finish(mut self) -> DfResult<ArrayRef> {
        for sequence in std::mem::take(&mut self.states).into_iter().flatten() {
            self.flush(sequence);
        }
        self.outputs.sort_by_key(|(row, ..)| *row);
        let rows = self.values.first().map_or(0, |v| v.len());
        let mut offsets = vec![0i32; rows + 1];
        for (row, ..) in &self.outputs {
            offsets[row + 1] += 1;
        }
        for i in 0..rows {
            offsets[i + 1] += offsets[i];
        }
        let item = self.program.output_item();
        let DataType::Struct(fields) = item.data_type() else {
            return Err(datafusion::error::DataFusionError::Internal("scan output is not a struct".into()));
        };
        let mut columns = Vec::with_capacity(fields.len());
        for (d, default) in self.program.defaults.iter().enumerate() {
            columns.push(match self.outputs.is_empty() {
                true => new_empty_array(&default.data_type()),
                false => ScalarValue::iter_to_array(self.outputs.iter().map(|(_, declared, _)| declared[d].clone()))?,
            });
        }
        columns.push(Arc::new(Int64Array::from_iter_values(self.outputs.iter().map(|(.., id)| *id))));
        let items = StructArray::try_new(fields.clone(), columns, None)?;
        Ok(Arc::new(ListArray::try_new(item, OffsetBuffer::new(offsets.into()), Arc::new(items), None)?))
    }
}

fn batch(program: &ScanProgram, columns: Vec<ArrayRef>, rows: usize) -> DfResult<RecordBatch> {
    let options = datafusion::arrow::array::RecordBatchOptions::new().with_row_count(Some(rows));
    Ok(RecordBatch::try_new_with_options(Arc::clone(&program.eval_schema), columns, &options)?)
}
