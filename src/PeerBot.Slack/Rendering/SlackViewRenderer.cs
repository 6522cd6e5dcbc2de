using System.Text.Json;
using PeerBot.Slack.Inbound;
using System.Text.Json.Nodes;
using PeerBot.Core.Platform;

namespace PeerBot.Slack.Rendering;

/// <summary>Turns Core's <see cref="FormSpec"/> into a modal view and a <c>view_submission</c> back into values.</summary>
public static class SlackViewRenderer
{
    /// <summary>Renders a form as a modal. <paramref name="privateMetadata"/> comes back with the submission.</summary>
    public static JsonObject RenderModal(FormSpec form, string privateMetadata)
    {
        ArgumentNullException.ThrowIfNull(form);
        var blocks = new JsonArray();
        foreach (var field in form.Fields.Take(100))
        {
            JsonObject element;
            if (field.Kind == FormFieldKind.Choice)
            {
                var options = new JsonArray();
                foreach (var choice in (field.Choices ?? []).Take(100))
                {
                    options.Add(new JsonObject
                    {
                        ["text"] = SlackMessageRenderer.PlainText(SlackText.Truncate(choice.Label, 75)),
                        ["value"] = choice.Value,
                    });
                }

                element = new JsonObject { ["type"] = "static_select", ["action_id"] = field.Id, ["options"] = options };
            }
            else
            {
                element = new JsonObject
                {
                    ["type"] = "plain_text_input",
                    ["action_id"] = field.Id,
                    ["multiline"] = field.Kind == FormFieldKind.LongText,
                };
                if (field.MaxLength is { } max)
                {
                    element["max_length"] = Math.Clamp(max, 1, 3000);
                }
            }

            if (!string.IsNullOrEmpty(field.Placeholder))
            {
                element["placeholder"] = SlackMessageRenderer.PlainText(SlackText.Truncate(field.Placeholder, 150));
            }

            blocks.Add(new JsonObject
            {
                ["type"] = "input",
                ["block_id"] = field.Id,
                ["optional"] = !field.Required,
                ["label"] = SlackMessageRenderer.PlainText(SlackText.Truncate(field.Label, 2000)),
                ["element"] = element,
            });
        }

        return new JsonObject
        {
            ["type"] = "modal",
            ["callback_id"] = form.FormId,
            ["title"] = SlackMessageRenderer.PlainText(SlackText.Truncate(form.Title, 24)),
            ["submit"] = SlackMessageRenderer.PlainText(SlackText.Truncate(form.SubmitLabel, 24)),
            ["close"] = SlackMessageRenderer.PlainText("Cancel"),
            ["private_metadata"] = SlackText.Truncate(privateMetadata, 3000),
            ["blocks"] = blocks,
        };
    }

    /// <summary>Reads the submitted values of a modal: block id to the input's value or the selected option.</summary>
    public static Dictionary<string, string> ReadValues(JsonElement view)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        // Every level is checked for its kind: a view of the wrong shape yields no values rather than an exception.
        if (view.ValueKind != JsonValueKind.Object || !view.TryGetProperty("state", out var state) || state.ValueKind != JsonValueKind.Object
            || !state.TryGetProperty("values", out var blocks) || blocks.ValueKind != JsonValueKind.Object)
        {
            return values;
        }

        foreach (var block in blocks.EnumerateObject())
        {
            if (block.Value.ValueKind != JsonValueKind.Object)
            {
                continue;
            }

            foreach (var action in block.Value.EnumerateObject())
            {
                var input = action.Value;
                if (input.ValueKind != JsonValueKind.Object)
                {
                    continue;
                }

                var value = SlackMessageEvents.Str(input, "value");
                if (value is null && input.TryGetProperty("selected_option", out var selected))
                {
                    value = SlackMessageEvents.Str(selected, "value");
                }

                if (value is not null)
                {
                    values[block.Name] = value;
                }
            }
        }

        return values;
    }

    /// <summary>
    /// The <c>errors</c> of a <c>response_action: errors</c> acknowledgement: each message under the input block of its
    /// field; a message for a field the modal does not have goes under its first input block, as Slack shows errors only
    /// under input blocks of the submitted view.
    /// </summary>
    public static JsonObject FieldErrors(JsonElement view, IReadOnlyDictionary<string, string> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        var inputs = new List<string>();
        if (view.ValueKind == JsonValueKind.Object && view.TryGetProperty("blocks", out var blocks) && blocks.ValueKind == JsonValueKind.Array)
        {
            foreach (var block in blocks.EnumerateArray())
            {
                if (SlackMessageEvents.Str(block, "type") == "input" && SlackMessageEvents.Id(block, "block_id") is { } id)
                {
                    inputs.Add(id);
                }
            }
        }

        var byBlock = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var (field, message) in errors)
        {
            var block = inputs.Contains(field) ? field : inputs.FirstOrDefault() ?? field;
            if (!byBlock.TryGetValue(block, out var messages))
            {
                byBlock[block] = messages = [];
            }

            messages.Add(message);
        }

        var result = new JsonObject();
        foreach (var (block, messages) in byBlock)
        {
            result[block] = SlackText.Truncate(string.Join(" ", messages), 2000);
        }

        return result;
    }
}
