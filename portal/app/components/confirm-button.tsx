import { useRef } from 'react';

/** A destructive action asks first, in a native modal dialog (focus trapped, Escape cancels). */
export function ConfirmButton(props: {
  label: string;
  question: string;
  onConfirm: () => void;
  disabled?: boolean;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  return (
    <>
      <button
        type="button"
        className="danger"
        disabled={props.disabled}
        onClick={() => dialog.current?.showModal()}
      >
        {props.label}
      </button>
      <dialog ref={dialog} aria-label={props.question}>
        <p>{props.question}</p>
        <div className="row">
          <button
            type="button"
            className="danger"
            onClick={() => {
              dialog.current?.close();
              props.onConfirm();
            }}
          >
            Yes, {props.label.toLowerCase()}
          </button>
          <button type="button" onClick={() => dialog.current?.close()}>
            Cancel
          </button>
        </div>
      </dialog>
    </>
  );
}
