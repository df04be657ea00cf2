import { useId, type InputHTMLAttributes, type ReactNode, type SelectHTMLAttributes, type TextareaHTMLAttributes } from 'react';

/** A UserError as the API returns it: the console shows it next to the field it names. */
export interface UserErrorLike {
  __typename?: string;
  code: string;
  message: string;
  field?: string | null;
}

/** Splits a UserError into the message for one form field (by the API's field path) and the rest. */
export function errorFor(error: UserErrorLike | null | undefined, ...paths: string[]): string | undefined {
  if (!error?.field) return undefined;
  return paths.some((p) => error.field === p || error.field!.startsWith(`${p}.`) || error.field!.startsWith(`${p}[`)) ? error.message : undefined;
}

interface FieldProps {
  label: string;
  hint?: ReactNode;
  error?: string | undefined;
  children: (props: { id: string; 'aria-describedby'?: string; 'aria-invalid'?: boolean }) => ReactNode;
  className?: string;
}

/** A labelled control with its hint and its error, wired for screen readers. */
export function Field({ label, hint, error, children, className }: FieldProps) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [hint ? hintId : null, error ? errorId : null].filter(Boolean).join(' ');
  return (
    <div className={`field${error ? ' has-error' : ''}${className ? ` ${className}` : ''}`}>
      <label htmlFor={id}>{label}</label>
      {hint && (
        <p className="hint" id={hintId}>
          {hint}
        </p>
      )}
      {children({ id, ...(describedBy ? { 'aria-describedby': describedBy } : {}), ...(error ? { 'aria-invalid': true } : {}) })}
      {error && (
        <p className="field-error" id={errorId} role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

export function TextField({
  label,
  hint,
  error,
  ...input
}: { label: string; hint?: ReactNode; error?: string | undefined } & InputHTMLAttributes<HTMLInputElement>) {
  return (
    <Field label={label} hint={hint} error={error}>
      {(a11y) => <input {...input} {...a11y} />}
    </Field>
  );
}

export function SelectField({
  label,
  hint,
  error,
  options,
  ...select
}: { label: string; hint?: ReactNode; error?: string | undefined; options: readonly (string | [string, string])[] } & SelectHTMLAttributes<HTMLSelectElement>) {
  return (
    <Field label={label} hint={hint} error={error}>
      {(a11y) => (
        <select {...select} {...a11y}>
          {options.map((o) => {
            const [value, text] = typeof o === 'string' ? [o, o] : o;
            return (
              <option key={value} value={value}>
                {text}
              </option>
            );
          })}
        </select>
      )}
    </Field>
  );
}

export function TextAreaField({
  label,
  hint,
  error,
  ...area
}: { label: string; hint?: ReactNode; error?: string | undefined } & TextareaHTMLAttributes<HTMLTextAreaElement>) {
  return (
    <Field label={label} hint={hint} error={error}>
      {(a11y) => <textarea {...area} {...a11y} />}
    </Field>
  );
}

/** A refusal that names no field of the form: shown above the submit button. */
export function FormError({ error }: { error: string | null | undefined }) {
  return error ? (
    <p className="form-error" role="alert">
      {error}
    </p>
  ) : null;
}

/** A CSV file chosen from disk, read as text in the browser (nothing is uploaded until the form is sent). */
export function UploadField({ label = 'Or upload a CSV file', onText }: { label?: string; onText: (text: string) => void }) {
  return (
    <Field label={label}>
      {(a11y) => (
        <input
          {...a11y}
          type="file"
          accept=".csv,text/csv,text/plain"
          onChange={async (e) => {
            const file = e.target.files?.[0];
            if (file) onText(await file.text());
          }}
        />
      )}
    </Field>
  );
}
