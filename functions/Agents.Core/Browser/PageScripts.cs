namespace Agents.Core.Browser;

/// <summary>The few scripts the broker runs in the page: they only read the DOM, never change it.</summary>
static class PageScripts
{
    const string Describe = """
        const describe = (el) => {
          const r = el.getBoundingClientRect();
          const submitter = el.closest('button, input[type=submit], input[type=image]');
          const form = el.form ?? el.closest('form');
          let action = null, method = null;
          if (submitter && submitter.hasAttribute('formaction')) { action = submitter.formAction; method = submitter.formMethod || (form ? form.method : 'get'); }
          else if (form) { action = form.action; method = form.method; }
          const link = el.closest('a[href], area[href]');
          const type = (el.getAttribute('type') || '').toLowerCase();
          const tag = el.tagName.toLowerCase();
          const textLike = ['', 'text', 'search', 'email', 'url', 'tel', 'number', 'password'];
          const editable = !el.disabled && !el.readOnly && (el.isContentEditable || tag === 'textarea' || (tag === 'input' && textLike.includes(type)));
          return {
            tag, id: el.id || null, name: el.getAttribute('name'), type: type || null,
            text: ((el.innerText || el.value || el.getAttribute('aria-label') || '') + '').trim().slice(0, 80) || null,
            box: { x: r.x, y: r.y, width: r.width, height: r.height },
            href: link ? link.href : null, formAction: action, formMethod: method,
            editable, password: tag === 'input' && type === 'password',
          };
        };
        """;

    /// <summary>The element at a viewport point (null outside the page), with the form it would submit and the link it follows.</summary>
    public const string HitTest = "([x, y]) => {" + Describe + """
          const el = document.elementFromPoint(x, y);
          return el ? describe(el) : null;
        }
        """;

    /// <summary>The focused element, or null when nothing that takes text has focus.</summary>
    public const string Focused = "() => {" + Describe + """
          let el = document.activeElement;
          while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
          return el && el !== document.body && el !== document.documentElement ? describe(el) : null;
        }
        """;

    /// <summary>Every form target on the page with the boxes of the form and its controls (a control may sit outside its form's box).</summary>
    public const string Forms = """
        () => {
          const out = [];
          const box = (e) => { const r = e.getBoundingClientRect(); return { x: r.x, y: r.y, width: r.width, height: r.height }; };
          for (const form of Array.from(document.forms)) {
            const controls = Array.from(form.elements);
            const own = controls.filter(c => !c.hasAttribute('formaction'));
            out.push({ action: form.action, method: form.method, boxes: [box(form), ...own.map(box)] });
            for (const c of controls.filter(c => c.hasAttribute('formaction'))) {
              out.push({ action: c.formAction, method: c.formMethod || form.method, boxes: [box(c)] });
            }
          }
          for (const c of Array.from(document.querySelectorAll('[formaction]')).filter(c => !c.form)) {
            out.push({ action: c.formAction, method: 'get', boxes: [box(c)] });
          }
          return out;
        }
        """;

    /// <summary>The text of the page, or of the first element matching a CSS selector (null when none does).</summary>
    public const string Read = """
        (selector) => {
          const el = selector ? document.querySelector(selector) : (document.body || document.documentElement);
          return el ? (el.innerText ?? el.textContent ?? '') : null;
        }
        """;

    public const string ScrollBy = """
        ([dx, dy]) => {
          window.scrollBy({ left: dx, top: dy, behavior: 'instant' });
          return [window.scrollX, window.scrollY];
        }
        """;

    /// <summary>Runs in every document before its own scripts: no new windows from script.</summary>
    public const string NoWindowOpen = "Object.defineProperty(window, 'open', { value: () => null, writable: false, configurable: false });";
}
