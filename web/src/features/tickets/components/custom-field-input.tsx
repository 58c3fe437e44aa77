/** One custom field on the ticket, edited in place with the input its type needs. */
import { Checkbox, MultiSelect, NumberInput, Select, TextInput } from '@mantine/core';
import { useState } from 'react';
import type { CustomField } from '../api/reference';

export interface CustomFieldInputProps {
  field: CustomField;
  value: unknown;
  onSave: (value: unknown) => void;
}

export function CustomFieldInput({ field, value, onSave }: CustomFieldInputProps) {
  const label = field.label;
  const required = field.required;
  switch (field.type) {
    case 'checkbox':
      return <Checkbox label={label} checked={value === true} onChange={(e) => onSave(e.currentTarget.checked)} />;
    case 'select':
      return (
        <Select
          label={label}
          required={required}
          clearable={!required}
          value={typeof value === 'string' ? value : null}
          data={field.options}
          onChange={(v) => onSave(v)}
        />
      );
    case 'multi_select':
      return (
        <MultiSelect
          label={label}
          required={required}
          value={Array.isArray(value) ? (value as string[]) : []}
          data={field.options}
          onChange={(v) => onSave(v.length ? v : null)}
        />
      );
    case 'number':
    case 'decimal':
      return <NumberField field={field} value={value} onSave={onSave} />;
    default:
      return <TextField field={field} value={value} onSave={onSave} />;
  }
}

/** Text and dates save when the input loses focus, not on every key. */
function TextField({ field, value, onSave }: CustomFieldInputProps) {
  const initial = typeof value === 'string' ? value : '';
  const [draft, setDraft] = useState(initial);
  const [seen, setSeen] = useState(initial);
  if (initial !== seen) {
    // The ticket changed elsewhere (live update): show the new value.
    setSeen(initial);
    setDraft(initial);
  }
  return (
    <TextInput
      label={field.label}
      required={field.required}
      type={field.type === 'date' ? 'date' : 'text'}
      value={draft}
      onChange={(e) => setDraft(e.currentTarget.value)}
      onBlur={() => draft !== initial && onSave(draft === '' ? null : draft)}
    />
  );
}

function NumberField({ field, value, onSave }: CustomFieldInputProps) {
  const initial = typeof value === 'number' || typeof value === 'string' ? value : '';
  const [draft, setDraft] = useState<string | number>(initial);
  const [seen, setSeen] = useState(initial);
  if (initial !== seen) {
    setSeen(initial);
    setDraft(initial);
  }
  return (
    <NumberInput
      label={field.label}
      required={field.required}
      allowDecimal={field.type === 'decimal'}
      value={draft}
      onChange={setDraft}
      onBlur={() => {
        if (draft === initial) return;
        if (draft === '') onSave(null);
        // Decimals travel as strings so no precision is lost.
        else onSave(field.type === 'decimal' ? String(draft) : Number(draft));
      }}
    />
  );
}
