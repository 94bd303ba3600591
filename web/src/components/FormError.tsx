import { useEffect, useRef } from 'react';
import { errorMessage } from '../api/messages';

/** The form-level refusal: announced to screen readers and focused so keyboard users land on it. */
export function FormError({ error, id }: { error: unknown; id?: string }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (error) ref.current?.focus();
  }, [error]);
  if (!error) return null;
  return (
    <div ref={ref} id={id} className="form-error" role="alert" tabIndex={-1}>
      {errorMessage(error)}
    </div>
  );
}

export function FieldHint({ id, children }: { id: string; children: React.ReactNode }) {
  return (
    <div id={id} className="field-hint">
      {children}
    </div>
  );
}

export function FieldError({ id, message }: { id: string; message: string | undefined }) {
  if (!message) return null;
  return (
    <div id={id} className="field-error" role="alert">
      {message}
    </div>
  );
}
