import { FieldError } from './FormError';
import { MIN_REASON, reasonLength } from './reason';

interface Props {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  error: string | undefined;
  /** Read-only, not disabled: what was typed can still be selected and copied. */
  disabled?: boolean;
  /** Required reasons show the rule and a live count; optional comments only say they are kept. */
  required: boolean;
  /** Replaces the standard sentence about the rule. */
  hint?: string;
  ref?: React.Ref<HTMLTextAreaElement>;
}

/** A reason textarea with its rule in sight, a live count, and the server's refusal next to it. */
export function ReasonField({ id, label, value, onChange, error, disabled, required, hint, ref }: Props) {
  const count = reasonLength(value);
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <textarea
        ref={ref}
        id={id}
        value={value}
        readOnly={disabled}
        maxLength={2000}
        aria-required={required}
        aria-invalid={error ? true : undefined}
        aria-describedby={`${id}-hint${error ? ` ${id}-error` : ''}`}
        onChange={(e) => onChange(e.target.value)}
      />
      <div id={`${id}-hint`} className="field-hint split reason-hint">
        {required ? (
          <>
            <span>
              {hint ??
                `At least ${MIN_REASON} characters (spaces and invisible characters do not count); kept in the audit trail.`}
            </span>
            <span className={`counter ${count >= MIN_REASON ? 'enough' : ''}`} aria-hidden="true">
              {count >= MIN_REASON ? `${count} characters` : `${count} of ${MIN_REASON}`}
            </span>
          </>
        ) : (
          <span>Optional; kept in the audit trail with your co-sign.</span>
        )}
      </div>
      <FieldError id={`${id}-error`} message={error} />
    </div>
  );
}
