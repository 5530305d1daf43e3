package model

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/vinsight/vinsight/internal/errs"
)

// StatusPage is a tenant's public status page: the monitors it shows, in
// the tenant's order, at /status/<slug> once published.
type StatusPage struct {
	ID          uuid.UUID   `json:"id"`
	TenantID    uuid.UUID   `json:"-"`
	Slug        string      `json:"slug"`
	Title       string      `json:"title"`
	Description string      `json:"description"`
	LogoURL     string      `json:"logo_url"`
	MonitorIDs  []uuid.UUID `json:"monitor_ids"`
	Published   bool        `json:"published"`
	CreatedAt   time.Time   `json:"created_at"`
	UpdatedAt   time.Time   `json:"updated_at"`
}

// StatusPageInput is a create or update request.
type StatusPageInput struct {
	Slug        string   `json:"slug"`
	Title       string   `json:"title"`
	Description string   `json:"description"`
	LogoURL     string   `json:"logo_url"`
	MonitorIDs  []string `json:"monitor_ids"`
	Published   bool     `json:"published"`
}

// Status page limits.
const (
	MaxStatusPageTitle       = 200
	MaxStatusPageDescription = 2000
	MaxLogoURL               = 2000
)

// slugPattern: lower-case letters, digits and inner hyphens, 3 to 63
// characters, so a slug is one clean URL segment and DNS-label shaped.
var slugPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$`)

// Validate checks the input and returns the page to store. The monitors it
// names are checked against the tenant by the store.
func (in StatusPageInput) Validate() (StatusPage, error) {
	v := &errs.ValidationError{}
	p := StatusPage{
		Slug:        strings.ToLower(strings.TrimSpace(in.Slug)),
		Title:       strings.TrimSpace(in.Title),
		Description: strings.TrimSpace(in.Description),
		LogoURL:     strings.TrimSpace(in.LogoURL),
		MonitorIDs:  ValidIDs(v, "monitor_ids", in.MonitorIDs, "a monitor id (UUID)"),
		Published:   in.Published,
	}
	if !slugPattern.MatchString(p.Slug) {
		v.Add("slug", "3 to 63 characters: lower-case letters, digits and hyphens, starting and ending with a letter or digit")
	}
	switch n := utf8.RuneCountInString(p.Title); {
	case n == 0:
		v.Add("title", "required")
	case n > MaxStatusPageTitle:
		v.Add("title", fmt.Sprintf("at most %d characters", MaxStatusPageTitle))
	case strings.IndexFunc(p.Title, unicode.IsControl) >= 0:
		v.Add("title", "must not contain control characters")
	}
	switch {
	case utf8.RuneCountInString(p.Description) > MaxStatusPageDescription:
		v.Add("description", fmt.Sprintf("at most %d characters", MaxStatusPageDescription))
	case strings.IndexFunc(p.Description, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' }) >= 0:
		v.Add("description", "must not contain control characters other than line breaks and tabs")
	}
	if p.LogoURL != "" {
		if reason := logoURLProblem(p.LogoURL); reason != "" {
			v.Add("logo_url", reason)
		}
	}
	return p, v.OrNil()
}

// logoURLProblem says what is wrong with a logo address, or "". Only https:
// the public page must not load mixed content or leak its visitors to a
// plain-text host.
func logoURLProblem(s string) string {
	if len(s) > MaxLogoURL {
		return fmt.Sprintf("at most %d characters", MaxLogoURL)
	}
	if strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) || unicode.IsSpace(r) }) >= 0 {
		return "must not contain spaces or control characters"
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.Hostname() == "" {
		return "must be an https:// URL"
	}
	if u.User != nil {
		return "must not contain a user name or password"
	}
	return ""
}
