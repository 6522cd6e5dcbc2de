using System.Collections;
using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace PeerBot.Core.Configuration;

/// <summary>The outcome of binding a configuration section leniently.</summary>
/// <typeparam name="T">The options type.</typeparam>
/// <param name="Value">The bound options: every value that could be read, and the default wherever one could not.</param>
/// <param name="Errors">Values that could not be read (wrong type, a list where a value belongs…), each with its path.</param>
/// <param name="Warnings">Unknown keys: usually typos, but a newer configuration may carry keys this build does not know.</param>
public sealed record BoundOptions<T>(T Value, IReadOnlyList<ConfigProblem> Errors, IReadOnlyList<ConfigProblem> Warnings);

/// <summary>
/// Binds a configuration section to an options object without stopping at the first bad value, as the framework's
/// binder does: every value that cannot be converted (a role that is not a role, a number, a duration or a switch
/// that does not read as one, a section where a value belongs) is recorded with its configuration path and left at
/// its default, and binding goes on. The validator then runs over the result, so a coordinator sees every problem of a
/// file in one run. The CLI and the host bind the same way, so both see the same options.
/// </summary>
/// <remarks>
/// Values are read as the framework's binder reads them (keys match properties whatever their case; an empty or null
/// list entry is a default entry; <c>null</c> empties a string or an optional value; an object that is empty or null
/// leaves an optional section off), but a little more strictly: numbers in decimal only, and a choice by its name,
/// never by its number.
/// </remarks>
public static class ConfigurationBinding
{
    /// <summary>The longest list the configuration may hold (people, groups, members).</summary>
    public const int MaxListLength = 2_000;

    /// <summary>Binds <paramref name="section"/> to a new <typeparamref name="T"/>, collecting every value that cannot be read.</summary>
    public static BoundOptions<T> Bind<T>(IConfigurationSection section)
        where T : class, new()
    {
        var value = new T();
        var (errors, warnings) = BindInto(section, value);
        return new BoundOptions<T>(value, errors, warnings);
    }

    /// <summary>Binds <paramref name="section"/> into an existing object (its defaults stay where nothing can be read).</summary>
    /// <returns>Errors (values that cannot be read) and warnings (unknown keys).</returns>
    public static (IReadOnlyList<ConfigProblem> Errors, IReadOnlyList<ConfigProblem> Warnings) BindInto(IConfigurationSection section, object target)
    {
        ArgumentNullException.ThrowIfNull(section);
        ArgumentNullException.ThrowIfNull(target);
        var context = new Context();
        BindObject(section, target, context);
        return (context.Errors, context.Warnings);
    }

    private sealed class Context
    {
        public List<ConfigProblem> Errors { get; } = [];

        public List<ConfigProblem> Warnings { get; } = [];
    }

    private static void BindObject(IConfigurationSection section, object target, Context context)
    {
        var children = section.GetChildren().ToList();
        if (section.Value is { Length: > 0 } && children.Count == 0)
        {
            context.Errors.Add(new ConfigProblem(section.Path, "expected a section with keys, found a single value"));
            return;
        }

        var type = target.GetType();
        var all = type.GetProperties(BindingFlags.Public | BindingFlags.Instance);
        var properties = all.Where(p => p.CanWrite && p.GetIndexParameters().Length == 0)
            .ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);

        foreach (var child in children)
        {
            if (!properties.TryGetValue(child.Key, out var property))
            {
                if (!all.Any(p => string.Equals(p.Name, child.Key, StringComparison.OrdinalIgnoreCase)))
                {
                    context.Warnings.Add(new ConfigProblem(child.Path, $"unknown key, ignored (known keys here: {string.Join(", ", properties.Keys.Order(StringComparer.Ordinal))})"));
                }

                // A read-only property (Discord:Enabled) is worked out from other keys; the binder ignores it too.
                continue;
            }

            BindProperty(child, target, property, context);
        }
    }

    private static void BindProperty(IConfigurationSection section, object target, PropertyInfo property, Context context)
    {
        var type = property.PropertyType;
        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        if (IsScalar(underlying))
        {
            if (TryReadScalar(section, type, context, out var value))
            {
                property.SetValue(target, value);
            }

            return;
        }

        var element = ElementType(underlying);
        if (element is not null)
        {
            var list = property.GetValue(target) as IList;
            if (list is null)
            {
                list = (IList)Activator.CreateInstance(typeof(List<>).MakeGenericType(element))!;
                if (!type.IsAssignableFrom(list.GetType()))
                {
                    throw new NotSupportedException($"{property.DeclaringType?.Name}.{property.Name}: only List<T> is bound.");
                }
            }

            if (BindList(section, list, element, context))
            {
                property.SetValue(target, list);
            }

            return;
        }

        var existing = property.GetValue(target);
        if (existing is null)
        {
            // An optional section that is absent, empty or null stays off, as with the framework's binder; one given as
            // a single value is an error.
            if (!section.GetChildren().Any())
            {
                if (section.Value is { Length: > 0 })
                {
                    context.Errors.Add(new ConfigProblem(section.Path, "expected a section with keys, found a single value"));
                }

                return;
            }

            existing = Activator.CreateInstance(underlying)!;
            property.SetValue(target, existing);
        }

        BindObject(section, existing, context);
    }

    /// <returns>False when the section is not a list at all (the list is left as it was).</returns>
    private static bool BindList(IConfigurationSection section, IList list, Type element, Context context)
    {
        var items = section.GetChildren().ToList();
        if (section.Value is { Length: > 0 } && items.Count == 0)
        {
            context.Errors.Add(new ConfigProblem(section.Path, "expected a list, found a single value"));
            return false;
        }

        if (items.Count > MaxListLength)
        {
            // Reading each entry of a configuration list costs a scan of every key, so a list this long would take
            // minutes to check; no program has that many people or groups.
            context.Errors.Add(new ConfigProblem(section.Path, $"{items.Count.ToString("N0", CultureInfo.InvariantCulture)} entries; at most {MaxListLength.ToString("N0", CultureInfo.InvariantCulture)} are supported"));
            return false;
        }

        var elementUnderlying = Nullable.GetUnderlyingType(element) ?? element;
        foreach (var item in items)
        {
            if (!int.TryParse(item.Key, NumberStyles.None, CultureInfo.InvariantCulture, out _))
            {
                context.Errors.Add(new ConfigProblem(item.Path, "expected a list, found a section with named keys"));
                continue;
            }

            if (IsScalar(elementUnderlying))
            {
                // An entry that cannot be read keeps its place (as an empty one), so later entries keep their numbers.
                list.Add(TryReadScalar(item, element, context, out var value) ? value : Placeholder(element));
                continue;
            }

            var entry = Activator.CreateInstance(elementUnderlying)!;
            BindObject(item, entry, context);
            list.Add(entry);
        }

        return true;
    }

    private static object? Placeholder(Type type) =>
        type == typeof(string) ? "" : type.IsValueType ? Activator.CreateInstance(type) : null;

    /// <returns>True with the value to set; false when the key leaves the property as it is (an error, or nothing given).</returns>
    private static bool TryReadScalar(IConfigurationSection section, Type type, Context context, out object? value)
    {
        value = null;
        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        var optional = Nullable.GetUnderlyingType(type) is not null;
        if (section.GetChildren().Any())
        {
            context.Errors.Add(new ConfigProblem(section.Path, $"expected a single value ({Describe(underlying)}), found a section"));
            return false;
        }

        var raw = section.Value;
        if (raw is null)
        {
            // JSON null: a string or an optional value becomes null; anything else keeps its default.
            return underlying == typeof(string) || optional;
        }

        if (underlying == typeof(string))
        {
            value = raw;
            return true;
        }

        if (raw.Length == 0)
        {
            // An empty value leaves an optional value unset; a number, duration, switch or choice needs one.
            if (optional)
            {
                return true;
            }

            context.Errors.Add(new ConfigProblem(section.Path, $"empty; give {Describe(underlying)}, or remove the key to use the default"));
            return false;
        }

        if (!TryConvert(raw, underlying, out value))
        {
            context.Errors.Add(new ConfigProblem(section.Path, $"{Quote(section.Key, raw)} is not {Describe(underlying)}"));
            return false;
        }

        return true;
    }

    private static bool IsScalar(Type type) =>
        type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(TimeSpan) || type == typeof(decimal)
        || type == typeof(DateTimeOffset) || type == typeof(Uri);

    private static Type? ElementType(Type type)
    {
        if (type.IsArray)
        {
            throw new NotSupportedException("Arrays are not bound; use List<T>.");
        }

        if (type.IsGenericType && typeof(IEnumerable).IsAssignableFrom(type))
        {
            return type.GetGenericArguments()[0];
        }

        return null;
    }

    private static bool TryConvert(string raw, Type type, out object? value)
    {
        value = null;
        if (type.IsEnum)
        {
            if (Enum.TryParse(type, raw, ignoreCase: true, out var parsed) && Enum.IsDefined(type, parsed!)
                && !int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out _))
            {
                value = parsed;
                return true;
            }

            return false;
        }

        if (type == typeof(TimeSpan))
        {
            return Set(TimeSpan.TryParse(raw, CultureInfo.InvariantCulture, out var span), span, out value);
        }

        if (type == typeof(bool))
        {
            return Set(bool.TryParse(raw, out var flag), flag, out value);
        }

        if (type == typeof(int))
        {
            return Set(int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number), number, out value);
        }

        if (type == typeof(long))
        {
            return Set(long.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number), number, out value);
        }

        if (type == typeof(double))
        {
            return Set(double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var number), number, out value);
        }

        if (type == typeof(Uri))
        {
            return Set(Uri.TryCreate(raw, UriKind.RelativeOrAbsolute, out var uri), uri, out value);
        }

        try
        {
            value = System.ComponentModel.TypeDescriptor.GetConverter(type).ConvertFromInvariantString(raw);
            return true;
        }
        catch (Exception ex) when (ex is FormatException or NotSupportedException or ArgumentException or OverflowException)
        {
            return false;
        }
    }

    private static bool Set<TValue>(bool succeeded, TValue parsed, out object? value)
    {
        value = succeeded ? parsed : null;
        return succeeded;
    }

    private static string Describe(Type type)
    {
        if (type.IsEnum)
        {
            return "one of " + string.Join(", ", Enum.GetNames(type));
        }

        return type switch
        {
            _ when type == typeof(TimeSpan) => "a duration (hh:mm:ss, or d.hh:mm:ss)",
            _ when type == typeof(bool) => "true or false",
            _ when type == typeof(int) || type == typeof(long) => "a whole number",
            _ when type == typeof(double) || type == typeof(decimal) => "a number",
            _ => "a " + type.Name,
        };
    }

    /// <summary>The value as a problem quotes it; values of secret-looking keys are never echoed back.</summary>
    private static string Quote(string key, string value) =>
        key.Contains("token", StringComparison.OrdinalIgnoreCase) || key.Contains("secret", StringComparison.OrdinalIgnoreCase)
        || key.Contains("password", StringComparison.OrdinalIgnoreCase)
            ? "the value (hidden)"
            : $"\"{(value.Length > 80 ? value[..80] + "…" : value)}\"";
}
