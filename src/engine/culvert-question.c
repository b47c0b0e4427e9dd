/* culvert-question.c — something the engine needs the user to decide or type
 *
 * The worker waits (running its own context) until the front end answers;
 * an answer travels back to the worker thread and is wiped there.
 *
 * Copyright 2026 The Culvert authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#undef G_LOG_DOMAIN
#define G_LOG_DOMAIN "Culvert-Tunnel"

#include "config.h"

#include "culvert-question-private.h"

struct _CulvertQuestion
{
  GObject              parent_instance;

  CulvertWorker       *worker;
  guint                id;
  CulvertQuestionKind  kind;
  char                *title;
  char                *detail;
  char                *key_type;
  GStrv                prompts;
  GArray              *echo;
  gboolean             can_remember;
  char                *remember_problem;
  gboolean             remember;
  char                *known_key_type;
  char                *known_fingerprint;
  char                *known_location;
  char                *fix_command;
  char                *host;
  guint16              port;
  gboolean             is_jump_host;
  gboolean             answered;
};

enum
{
  PROP_0,
  PROP_HOST,
  PROP_PORT,
  PROP_IS_JUMP_HOST,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (CulvertQuestion, culvert_question, G_TYPE_OBJECT)

static void
culvert_question_finalize (GObject *object)
{
  CulvertQuestion *self = CULVERT_QUESTION (object);

  /* An unanswered question must not leave the worker waiting. */
  if (!self->answered)
    culvert_worker_answer (self->worker, self->id, FALSE, NULL, FALSE);

  g_clear_pointer (&self->worker, culvert_worker_unref);
  g_free (self->title);
  g_free (self->detail);
  g_free (self->key_type);
  g_strfreev (self->prompts);
  g_clear_pointer (&self->echo, g_array_unref);
  g_free (self->remember_problem);
  g_free (self->known_key_type);
  g_free (self->known_fingerprint);
  g_free (self->known_location);
  g_free (self->fix_command);
  g_free (self->host);

  G_OBJECT_CLASS (culvert_question_parent_class)->finalize (object);
}

static void
culvert_question_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  CulvertQuestion *self = CULVERT_QUESTION (object);

  switch (prop_id)
    {
    case PROP_HOST:
      g_value_set_string (value, self->host);
      break;
    case PROP_PORT:
      g_value_set_uint (value, self->port);
      break;
    case PROP_IS_JUMP_HOST:
      g_value_set_boolean (value, self->is_jump_host);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
culvert_question_class_init (CulvertQuestionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = culvert_question_finalize;
  object_class->get_property = culvert_question_get_property;

  /* HOST_KEY, HOST_KEY_CHANGED: the machine whose key it is (a jump host's
   * own name and port for a hop's key). */
  properties[PROP_HOST] =
    g_param_spec_string ("host", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_PORT] =
    g_param_spec_uint ("port", NULL, NULL, 0, G_MAXUINT16, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_IS_JUMP_HOST] =
    g_param_spec_boolean ("is-jump-host", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
culvert_question_init (CulvertQuestion *self)
{
}

CulvertQuestion *
culvert_question_new (CulvertWorker            *worker,
                      const CulvertWorkerEvent *event)
{
  CulvertQuestion *self = g_object_new (CULVERT_TYPE_QUESTION, NULL);

  self->worker = culvert_worker_ref (worker);
  self->id = event->question_id;
  self->kind = event->question_kind;
  self->title = g_strdup (event->title);
  self->detail = g_strdup (event->detail);
  self->key_type = g_strdup (event->key_type);
  self->prompts = g_strdupv (event->prompts);
  if (event->echo != NULL)
    self->echo = g_array_ref (event->echo);
  self->can_remember = event->can_remember;
  self->remember_problem = g_strdup (event->remember_problem);
  self->known_key_type = g_strdup (event->known_key_type);
  self->known_fingerprint = g_strdup (event->known_fingerprint);
  self->known_location = g_strdup (event->known_location);
  self->fix_command = g_strdup (event->fix_command);
  self->host = g_strdup (event->host);
  self->port = event->host_port;
  self->is_jump_host = event->is_jump_host;
  /* A notice: the worker waits for nothing. */
  if (self->kind == CULVERT_QUESTION_HOST_KEY_CHANGED)
    self->answered = TRUE;

  return self;
}

CulvertQuestionKind
culvert_question_get_kind (CulvertQuestion *self)
{
  g_return_val_if_fail (CULVERT_IS_QUESTION (self), 0);
  return self->kind;
}

const char *
culvert_question_get_title (CulvertQuestion *self)
{
  g_return_val_if_fail (CULVERT_IS_QUESTION (self), NULL);
  return self->title;
}

const char *
culvert_question_get_detail (CulvertQuestion *self)
{
  g_return_val_if_fail (CULVERT_IS_QUESTION (self), NULL);
  return self->detail;
}

const char *
culvert_question_get_key_type (CulvertQuestion *self)
{
  g_return_val_if_fail (CULVERT_IS_QUESTION (self), NULL);
  return self->key_type;
}

const char * const *
culvert_question_get_prompts (CulvertQuestion *self)
{
  g_return_val_if_fail (CULVERT_IS_QUESTION (self), NULL);
  return (const char * const *) self->prompts;
}

gboolean
culvert_question_get_echo (CulvertQuestion *self,
                           guint            prompt)
{
  g_return_val_if_fail (CULVERT_IS_QUESTION (self), FALSE);

  if (self->echo == NULL || prompt >= self->echo->len)
    return FALSE;

  return g_array_index (self->echo, gboolean, prompt);
}

gboolean
culvert_question_get_can_remember (CulvertQuestion *self)
{
  g_return_val_if_fail (CULVERT_IS_QUESTION (self), FALSE);
  return self->can_remember;
}

const char *
culvert_question_get_remember_problem (CulvertQuestion *self)
{
  g_return_val_if_fail (CULVERT_IS_QUESTION (self), NULL);
  return self->remember_problem;
}

const char *
culvert_question_get_known_key_type (CulvertQuestion *self)
{
  g_return_val_if_fail (CULVERT_IS_QUESTION (self), NULL);
  return self->known_key_type;
}

const char *
culvert_question_get_known_fingerprint (CulvertQuestion *self)
{
  g_return_val_if_fail (CULVERT_IS_QUESTION (self), NULL);
  return self->known_fingerprint;
}

const char *
culvert_question_get_known_location (CulvertQuestion *self)
{
  g_return_val_if_fail (CULVERT_IS_QUESTION (self), NULL);
  return self->known_location;
}

const char *
culvert_question_get_fix_command (CulvertQuestion *self)
{
  g_return_val_if_fail (CULVERT_IS_QUESTION (self), NULL);
  return self->fix_command;
}

const char *
culvert_question_get_host (CulvertQuestion *self)
{
  g_return_val_if_fail (CULVERT_IS_QUESTION (self), NULL);
  return self->host;
}

guint16
culvert_question_get_port (CulvertQuestion *self)
{
  g_return_val_if_fail (CULVERT_IS_QUESTION (self), 0);
  return self->port;
}

gboolean
culvert_question_get_is_jump_host (CulvertQuestion *self)
{
  g_return_val_if_fail (CULVERT_IS_QUESTION (self), FALSE);
  return self->is_jump_host;
}

void
culvert_question_set_remember (CulvertQuestion *self,
                               gboolean         remember)
{
  g_return_if_fail (CULVERT_IS_QUESTION (self));
  self->remember = remember && self->can_remember;
}

gboolean
culvert_question_get_remember (CulvertQuestion *self)
{
  g_return_val_if_fail (CULVERT_IS_QUESTION (self), FALSE);
  return self->remember;
}

gboolean
culvert_question_is_answered (CulvertQuestion *self)
{
  g_return_val_if_fail (CULVERT_IS_QUESTION (self), FALSE);
  return self->answered;
}

void
culvert_question_answer (CulvertQuestion    *self,
                         gboolean            accepted,
                         const char * const *answers)
{
  g_return_if_fail (CULVERT_IS_QUESTION (self));

  if (self->answered)
    return;

  self->answered = TRUE;
  culvert_worker_answer (self->worker, self->id, accepted, answers, self->remember);
}

void
culvert_question_cancel (CulvertQuestion *self)
{
  culvert_question_answer (self, FALSE, NULL);
}
