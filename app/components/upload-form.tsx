import { useNavigate } from "@remix-run/react";
import { useState, type FormEvent } from "react";

/**
 * A multipart form that works as a plain HTML form without JavaScript and, with it, shows upload progress
 * (large dumps take a while to send) before following the server's redirect to the import job.
 */
export function UploadForm({ action, children }: { action: string; children: React.ReactNode }) {
  const navigate = useNavigate();
  const [percent, setPercent] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const request = new XMLHttpRequest();
    request.open("POST", action);
    request.upload.onprogress = (progress) => {
      if (progress.lengthComputable) setPercent(Math.round((progress.loaded / progress.total) * 100));
    };
    request.onload = () => {
      setPercent(null);
      const target = new URL(request.responseURL, window.location.href);
      if (request.status < 400 && target.pathname !== window.location.pathname) {
        navigate(target.pathname + target.search);
      } else {
        const doc = new DOMParser().parseFromString(request.responseText, "text/html");
        setError(doc.querySelector("[role=alert]")?.textContent ?? `The upload failed (HTTP ${request.status}).`);
      }
    };
    request.onerror = () => {
      setPercent(null);
      setError("The upload failed: the connection was interrupted.");
    };
    setError(null);
    setPercent(0);
    request.send(new FormData(form));
  }

  return (
    <form method="post" encType="multipart/form-data" action={action} onSubmit={onSubmit} className="stack">
      {children}
      {percent !== null ? (
        <div role="status" aria-live="polite">
          <label>Uploading… {percent}%<progress max={100} value={percent} /></label>
        </div>
      ) : null}
      {error ? <p className="form-error" role="alert">{error}</p> : null}
    </form>
  );
}
