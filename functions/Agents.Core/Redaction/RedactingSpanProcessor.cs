using System.Diagnostics;
using OpenTelemetry;

namespace Agents.Core.Redaction;

/// <summary>
/// Redacts every string attribute of a span, its events' attributes and its status description when it ends, before
/// any exporter registered after it sees the span: whoever set an attribute, nothing unredacted leaves through traces.
/// </summary>
public sealed class RedactingSpanProcessor(Redactor redactor) : BaseProcessor<Activity>
{
    public override void OnEnd(Activity data)
    {
        foreach (KeyValuePair<string, object?> tag in data.TagObjects.ToList())
        {
            switch (tag.Value)
            {
                case string text:
                    data.SetTag(tag.Key, redactor.Redact(text));
                    break;
                case string[] texts:
                    data.SetTag(tag.Key, texts.Select(redactor.Redact).ToArray());
                    break;
            }
        }

        foreach (ActivityEvent e in data.Events)
        {
            // ActivityEvent hands out the collection it was created with, so its values can be replaced in place.
            if (e.Tags is ActivityTagsCollection tags)
            {
                foreach (KeyValuePair<string, object?> tag in tags.ToList())
                {
                    if (tag.Value is string text)
                    {
                        tags[tag.Key] = redactor.Redact(text);
                    }
                }
            }
        }

        if (data.StatusDescription is { } description)
        {
            data.SetStatus(data.Status, redactor.Redact(description));
        }
    }
}
