namespace PeerBot.Core;

/// <summary>
/// The outcome of an operation whose failures are expected (not a facilitator, unknown group, nothing to do):
/// a value, or a message written for the person who asked.
/// </summary>
/// <typeparam name="T">The value on success.</typeparam>
public sealed record OperationResult<T>
{
    private OperationResult(T? value, string? error)
    {
        Value = value;
        Error = error;
    }

    /// <summary>The value when <see cref="Succeeded"/>.</summary>
    public T? Value { get; }

    /// <summary>Why it failed, in words for a person; null on success.</summary>
    public string? Error { get; }

    /// <summary>True on success.</summary>
    public bool Succeeded => Error is null;

    /// <summary>A success.</summary>
    public static OperationResult<T> Success(T value) => new(value, null);

    /// <summary>A failure with a message for a person.</summary>
    public static OperationResult<T> Failure(string error) => new(default, error);
}
