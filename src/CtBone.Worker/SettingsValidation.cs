using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CtBone.Worker;

/// <summary>
/// Options bound from a configuration section and checked when the host starts, by their data annotations and
/// <see cref="IValidatableObject"/>. Each failure names the setting as a site writes it (CtBone:Worker:LeaseSeconds,
/// or CtBone__Worker__LeaseSeconds in the environment), not the .NET type and property.
/// </summary>
public static class SettingsValidation
{
    public static OptionsBuilder<T> AddSettings<T>(this IServiceCollection services, IConfiguration configuration, string section)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddSingleton<IValidateOptions<T>>(new SectionValidator<T>(section));
        return services.AddOptions<T>().Bind(configuration.GetSection(section)).ValidateOnStart();
    }

    /// <summary>The same, bound from the host's configuration when the options are first asked for.</summary>
    public static OptionsBuilder<T> AddSettings<T>(this IServiceCollection services, string section)
        where T : class
    {
        services.AddSingleton<IValidateOptions<T>>(new SectionValidator<T>(section));
        return services.AddOptions<T>().BindConfiguration(section).ValidateOnStart();
    }

    private sealed class SectionValidator<T>(string section) : IValidateOptions<T>
        where T : class
    {
        public ValidateOptionsResult Validate(string? name, T options)
        {
            var results = new List<ValidationResult>();
            if (Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true))
            {
                return ValidateOptionsResult.Success;
            }

            return ValidateOptionsResult.Fail(results.Select(r =>
                r.MemberNames.Any() ? $"{section}:{string.Join(", " + section + ":", r.MemberNames)}: {r.ErrorMessage}" : $"{section}: {r.ErrorMessage}"));
        }
    }
}
