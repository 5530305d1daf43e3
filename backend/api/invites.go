package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/rs/zerolog"

	"github.com/vinsight/vinsight/internal/auth"
	"github.com/vinsight/vinsight/internal/errs"
	"github.com/vinsight/vinsight/internal/notify"
	"github.com/vinsight/vinsight/internal/store"
)

type inviteRequest struct {
	Email string    `json:"email"`
	Role  auth.Role `json:"role"`
}

// createdInvite answers an invitation. The token and link are returned only
// when no mail server is configured: then the inviting admin passes them on.
type createdInvite struct {
	store.Invite
	Mailed bool   `json:"mailed"`
	Token  string `json:"token,omitempty"`
	Link   string `json:"link,omitempty"`
}

func (a *API) createInvite(c *gin.Context) error {
	var req inviteRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	v := &errs.ValidationError{}
	email := validEmail(v, "email", req.Email)
	if !req.Role.Valid() {
		v.Add("role", "must be owner, admin, member or viewer")
	}
	if err := v.OrNil(); err != nil {
		return err
	}
	p := principal(c)
	if req.Role == auth.Owner && !p.Can(auth.Owner) {
		return errs.Describe(errs.ErrForbidden, "only an owner can invite an owner")
	}
	ctx := c.Request.Context()
	token, hash := auth.NewToken(auth.InvitePrefix)
	link := a.cfg.PublicURL + "/invite/" + token
	expires := time.Now().Add(a.cfg.InviteTTL).UTC()
	var deliver func() error
	if a.cfg.SMTPURL != "" {
		tenant, err := a.store.TenantName(ctx, p.TenantID)
		if err != nil {
			return err
		}
		m := inviteMail(email, p.Name, tenant, req.Role, link, expires)
		deliver = func() error { return a.sendMail(ctx, m) }
	}
	inv, err := a.store.CreateInvite(ctx, p.TenantID, actor(c), store.NewInvite{
		Email: email, Role: req.Role, TokenHash: hash, ExpiresAt: expires}, deliver)
	if err != nil {
		return err
	}
	resp := createdInvite{Invite: inv, Mailed: deliver != nil}
	if deliver == nil {
		resp.Token, resp.Link = token, link
	}
	ok(c, http.StatusCreated, resp, nil)
	return nil
}

// inviteMailTimeout bounds the mail exchange: an admin is waiting, and the
// invitation's transaction stays open until the server has the message.
const inviteMailTimeout = 10 * time.Second

// sendMail delivers through the configured server. A failure is logged here
// and answered as 503, since it is the mail server, not the request, that
// is at fault.
func (a *API) sendMail(ctx context.Context, m notify.Mail) error {
	sender, err := notify.NewSMTP(a.cfg.SMTPURL)
	if err == nil {
		sender.Timeout = inviteMailTimeout
		err = sender.Send(ctx, m)
	}
	if err != nil {
		zerolog.Ctx(ctx).Warn().Err(err).Msg("mail not sent")
		return errs.Describe(errs.ErrUnavailable, "the invitation mail could not be sent; try again later or ask the operator to check the mail server")
	}
	return nil
}

func inviteMail(to, inviter, tenant string, role auth.Role, link string, expires time.Time) notify.Mail {
	return notify.Mail{
		To:      []string{to},
		Subject: fmt.Sprintf("You are invited to %s on V-Insight", tenant),
		Body: fmt.Sprintf("%s invited you to join %s on V-Insight as %s.\n\nAccept the invitation here:\n%s\n\n"+
			"The link works until %s. If you did not expect this mail, ignore it.\n",
			inviter, tenant, role, link, expires.Format("2 Jan 2006 15:04 MST")),
	}
}

func (a *API) listInvites(c *gin.Context) error {
	page, err := paging(c)
	if err != nil {
		return err
	}
	list, total, err := a.store.ListInvites(c.Request.Context(), principal(c).TenantID, page.PerPage, page.Offset())
	if err != nil {
		return err
	}
	ok(c, http.StatusOK, list, page.Meta(total))
	return nil
}

func (a *API) revokeInvite(c *gin.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := a.store.RevokeInvite(c.Request.Context(), principal(c).TenantID, actor(c), id); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

type acceptInviteRequest struct {
	Token    string `json:"token"`
	Password string `json:"password"`
	Name     string `json:"name"`
}

// acceptInvite joins the invited tenant and logs in there, like signup. An
// address without an account gets one (password and name required); an
// existing account proves itself with its password, and a wrong password
// answers exactly like an unknown token, after the same one bcrypt
// comparison.
func (a *API) acceptInvite(c *gin.Context) error {
	var req acceptInviteRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	v := &errs.ValidationError{}
	if req.Token == "" {
		v.Add("token", "required")
	}
	if req.Password == "" {
		v.Add("password", "required")
	}
	if err := v.OrNil(); err != nil {
		return err
	}
	ctx := c.Request.Context()
	hash := auth.HashToken(req.Token)
	inv, err := a.store.InviteByToken(ctx, hash)
	if errors.Is(err, errs.ErrNotFound) {
		auth.CheckPassword(a.dummyHash, req.Password)
		return badInvite(c)
	}
	if err != nil {
		return err
	}
	if err := inv.Usable(time.Now()); err != nil {
		return err
	}
	acceptance := store.InviteAcceptance{RequestID: requestID(c)}
	user, err := a.store.UserByEmail(ctx, inv.Email)
	switch {
	case err == nil:
		if !auth.CheckPassword(user.PasswordHash, req.Password) {
			return badInvite(c)
		}
		acceptance.UserID = user.ID
	case errors.Is(err, errs.ErrNotFound):
		validPassword(v, "password", req.Password)
		acceptance.Name = cleanText(v, "name", req.Name, 1, 100)
		if err := v.OrNil(); err != nil {
			return err
		}
		if acceptance.PasswordHash, err = auth.HashPassword(req.Password); err != nil {
			return err
		}
	default:
		return err
	}
	tenantID, userID, err := a.store.AcceptInvite(ctx, hash, acceptance)
	if err != nil {
		return err
	}
	return a.issueSession(c, http.StatusCreated, userID, tenantID)
}

func badInvite(c *gin.Context) error {
	fail(c, http.StatusUnauthorized, "INVALID_CREDENTIALS", "the invitation token or the password is wrong", nil)
	return nil
}
