package api

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/vinsight/vinsight/internal/model"
	"github.com/vinsight/vinsight/internal/notify"
)

func (a *API) channelRules() notify.ChannelRules {
	return notify.ChannelRules{EmailAvailable: a.cfg.SMTPURL != ""}
}

func (a *API) listChannels(c *gin.Context) error {
	page, err := paging(c)
	if err != nil {
		return err
	}
	list, total, err := a.store.ListChannels(c.Request.Context(), principal(c).TenantID, page.PerPage, page.Offset())
	if err != nil {
		return err
	}
	ok(c, http.StatusOK, list, page.Meta(total))
	return nil
}

func (a *API) getChannel(c *gin.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ch, err := a.store.GetChannel(c.Request.Context(), principal(c).TenantID, id)
	if err != nil {
		return err
	}
	ok(c, http.StatusOK, ch, nil)
	return nil
}

func (a *API) createChannel(c *gin.Context) error {
	var in model.ChannelInput
	if err := decode(c, &in); err != nil {
		return err
	}
	ch, err := notify.ValidChannel(in, a.channelRules(), nil)
	if err != nil {
		return err
	}
	ch, err = a.store.CreateChannel(c.Request.Context(), principal(c).TenantID, actor(c), ch)
	if err != nil {
		return err
	}
	ok(c, http.StatusCreated, ch, nil)
	return nil
}

// updateChannel replaces a channel; secrets sent back masked keep their
// stored values.
func (a *API) updateChannel(c *gin.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in model.ChannelInput
	if err := decode(c, &in); err != nil {
		return err
	}
	old, err := a.store.ChannelConfig(c.Request.Context(), principal(c).TenantID, id)
	if err != nil {
		return err
	}
	ch, err := notify.ValidChannel(in, a.channelRules(), &old)
	if err != nil {
		return err
	}
	ch, err = a.store.UpdateChannel(c.Request.Context(), principal(c).TenantID, actor(c), id, ch)
	if err != nil {
		return err
	}
	ok(c, http.StatusOK, ch, nil)
	return nil
}

func (a *API) deleteChannel(c *gin.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := a.store.DeleteChannel(c.Request.Context(), principal(c).TenantID, actor(c), id); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

// testWait is how long a channel test waits for a worker to send it.
const testWait = 10 * time.Second

// testChannel queues a test notification to the channel and waits for a
// worker to send it: 200 with the outcome (delivered or failed and why), or
// 202 when no worker has sent it within testWait (it stays queued).
func (a *API) testChannel(c *gin.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	tenant := principal(c).TenantID
	deliveryID, err := a.store.QueueTestNotification(c.Request.Context(), tenant, actor(c), id)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), testWait)
	defer cancel()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		out, err := a.store.GetDeliveryOutcome(context.WithoutCancel(ctx), tenant, deliveryID)
		if err != nil {
			return err
		}
		if out.Status != "pending" {
			ok(c, http.StatusOK, out, nil)
			return nil
		}
		select {
		case <-ctx.Done():
			ok(c, http.StatusAccepted, out, map[string]any{"note": "queued; no worker has sent it yet"})
			return nil
		case <-tick.C:
		}
	}
}
