/**
 * The one way a form takes Markdown: a textarea with a short format hint and a live preview
 * (src/web/assets/markdown.js posts the text to `previewUrl`, which answers the rendered HTML; the
 * form works without the script, and the preview box then says so).
 */
import type { ComponentChildren } from 'preact';
import { assetUrl } from '../web/assets.ts';

/** The format in one line, with the few forms people ask about. */
export function MarkdownHint({ links = true }: { links?: boolean }) {
  return (
    <p class="hint markdown-hint">
      Formatting (Markdown): a blank line starts a new paragraph; <code>**bold**</code>,{' '}
      <code>*italic*</code>
      {links ? (
        <>
          , <code>[words](https://…)</code> for a link
        </>
      ) : null}
      ; <code>- </code> or <code>1. </code> at the start of lines for a list; <code>## </code> for a
      heading; <code>&gt; </code> for a quotation; <code>| a | b |</code> rows for a table;{' '}
      <code>\*</code> for a plain star.
    </p>
  );
}

export function MarkdownField({
  id,
  name,
  label,
  value,
  previewUrl,
  mode,
  rows = 12,
  maxLength,
  required = true,
  links = true,
  preview,
}: {
  id: string;
  name: string;
  label: string;
  value: string;
  /** POST endpoint answering the rendered HTML of `body` (and `mode`). */
  previewUrl: string;
  mode?: string;
  rows?: number;
  maxLength?: number;
  required?: boolean;
  links?: boolean;
  /** The preview rendered by the server (the form's "Preview" button without the script). */
  preview?: ComponentChildren;
}) {
  const previewId = `${id}-preview`;
  return (
    <div class="markdown-field">
      <label for={id}>{label}</label>
      <MarkdownHint links={links} />
      <div class="editor-grid">
        <textarea
          id={id}
          name={name}
          rows={rows}
          required={required}
          maxLength={maxLength}
          aria-describedby={previewId}
          data-preview-url={previewUrl}
          data-preview-target={previewId}
          data-preview-mode={mode}
        >
          {value}
        </textarea>
        <div>
          <p class="label">Preview</p>
          <div id={previewId} class="story-body preview" aria-live="polite">
            {preview ?? (
              <p class="meta">The preview appears here as you type (it needs JavaScript).</p>
            )}
          </div>
        </div>
      </div>
      <script src={assetUrl('markdown.js')} defer />
    </div>
  );
}
