using System.Collections;
using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace PeerBot.Core.Configuration;

/// <summary>
/// Checks the raw configuration against the shape of the options classes before binding, so that every
/// value of the wrong type is reported with its path at once (the binder stops at the first one).
/// Unknown keys are reported as warnings: they are usually typos, but a newer config may carry keys
/// this build does not know.
/// </summary>
public static class ConfigurationShapeChecker
{
    /// <summary>The longest list the configuration may hold (people, groups, members).</summary>
    public const int MaxListLength = 2_000;

    /// <summary>Checks <paramref name="section"/> against <typeparamref name="T"/>.</summary>
    /// <returns>Errors (values that cannot be converted) and warnings (unknown keys).</returns>
    public static (IReadOnlyList<ConfigProblem> Errors, IReadOnlyList<ConfigProblem> Warnings) Check<T>(IConfigurationSection section)
    {
        ArgumentNullException.ThrowIfNull(section);
        var errors = new List<ConfigProblem>();
        var warnings = new List<ConfigProblem>();
        CheckObject(section, typeof(T), errors, warnings);
        return (errors, warnings);
    }

    private static void CheckObject(IConfigurationSection section, Type type, List<ConfigProblem> errors, List<ConfigProblem> warnings)
    {
        if (section.Value is { Length: > 0 } && !section.GetChildren().Any())
        {
            errors.Add(new ConfigProblem(section.Path, "expected a section with keys, found a single value"));
            return;
        }

        var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite)
            .ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);

        foreach (var child in section.GetChildren())
        {
            if (!properties.TryGetValue(child.Key, out var property))
            {
                var known = type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Any(p => string.Equals(p.Name, child.Key, StringComparison.OrdinalIgnoreCase));
                if (!known)
                {
                    warnings.Add(new ConfigProblem(child.Path, $"unknown key, ignored (known keys here: {string.Join(", ", properties.Keys.Order(StringComparer.Ordinal))})"));
                }

                continue;
            }

            CheckValue(child, property.PropertyType, errors, warnings);
        }
    }

    private static void CheckValue(IConfigurationSection section, Type type, List<ConfigProblem> errors, List<ConfigProblem> warnings)
    {
        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        if (IsScalar(underlying))
        {
            if (section.GetChildren().Any())
            {
                errors.Add(new ConfigProblem(section.Path, $"expected a single value ({Describe(underlying)}), found a section"));
                return;
            }

            var raw = section.Value;
            if (raw is null || underlying == typeof(string))
            {
                return;
            }

            if (raw.Length == 0)
            {
                // The binder cannot turn an empty value into a number, duration, switch or choice; only an optional
                // value may be left empty.
                if (Nullable.GetUnderlyingType(type) is null)
                {
                    errors.Add(new ConfigProblem(section.Path, $"empty; give {Describe(underlying)}, or remove the key to use the default"));
                }

                return;
            }

            if (!TryConvert(raw, underlying))
            {
                errors.Add(new ConfigProblem(section.Path, $"'{Redact(section.Key, raw)}' is not {Describe(underlying)}"));
            }

            return;
        }

        var element = ElementType(underlying);
        if (element is not null)
        {
            if (section.Value is { Length: > 0 } && !section.GetChildren().Any())
            {
                errors.Add(new ConfigProblem(section.Path, "expected a list, found a single value"));
                return;
            }

            var items = section.GetChildren().ToList();
            if (items.Count > MaxListLength)
            {
                // Reading each entry of a configuration list costs a scan of every key, so a list this long would take
                // minutes to check; no program has that many people or groups.
                errors.Add(new ConfigProblem(section.Path, $"{items.Count.ToString("N0", CultureInfo.InvariantCulture)} entries; at most {MaxListLength.ToString("N0", CultureInfo.InvariantCulture)} are supported"));
                return;
            }

            foreach (var item in items)
            {
                if (!int.TryParse(item.Key, NumberStyles.None, CultureInfo.InvariantCulture, out _))
                {
                    errors.Add(new ConfigProblem(item.Path, "expected a list, found a section with named keys"));
                    continue;
                }

                CheckValue(item, element, errors, warnings);
            }

            return;
        }

        CheckObject(section, underlying, errors, warnings);
    }

    private static bool IsScalar(Type type) =>
        type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(TimeSpan) || type == typeof(decimal)
        || type == typeof(DateTimeOffset) || type == typeof(Uri);

    private static Type? ElementType(Type type)
    {
        if (type.IsArray)
        {
            return type.GetElementType();
        }

        if (type.IsGenericType && typeof(IEnumerable).IsAssignableFrom(type))
        {
            return type.GetGenericArguments()[0];
        }

        return null;
    }

    private static bool TryConvert(string raw, Type type)
    {
        if (type.IsEnum)
        {
            return Enum.TryParse(type, raw, ignoreCase: true, out var value) && Enum.IsDefined(type, value!)
                && !int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out _);
        }

        if (type == typeof(TimeSpan))
        {
            return TimeSpan.TryParse(raw, CultureInfo.InvariantCulture, out _);
        }

        if (type == typeof(bool))
        {
            return bool.TryParse(raw, out _);
        }

        if (type == typeof(int))
        {
            return int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out _);
        }

        if (type == typeof(long))
        {
            return long.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out _);
        }

        if (type == typeof(double))
        {
            return double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out _);
        }

        if (type == typeof(Uri))
        {
            return Uri.TryCreate(raw, UriKind.RelativeOrAbsolute, out _);
        }

        try
        {
            _ = System.ComponentModel.TypeDescriptor.GetConverter(type).ConvertFromInvariantString(raw);
            return true;
        }
        catch (Exception ex) when (ex is FormatException or NotSupportedException or ArgumentException or OverflowException)
        {
            return false;
        }
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

    /// <summary>Values of secret-looking keys are never echoed back.</summary>
    internal static string Redact(string key, string value) =>
        key.Contains("token", StringComparison.OrdinalIgnoreCase) || key.Contains("secret", StringComparison.OrdinalIgnoreCase)
        || key.Contains("password", StringComparison.OrdinalIgnoreCase)
            ? "(hidden)"
            : value.Length > 80 ? value[..80] + "…" : value;
}
